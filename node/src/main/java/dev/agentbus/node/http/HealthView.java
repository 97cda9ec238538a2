package dev.agentbus.node.http;

import java.time.Instant;

/** {@code GET /health} data: the gateway's HealthCheckResponse, which also satisfies TS healthCheck. */
record HealthView(String status, String version, Instant timestamp, String constitutionalHash) {}
