package dev.agentbus.node.http;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The body of every JSON answer (SDK contract 1.4): {@code success}, then {@code data} or {@code error},
 * then the hash, request id and time. {@code version} appears only on {@code /health}, where the Python
 * SDK reads it from the top level.
 */
record Envelope(
    boolean success,
    Object data,
    ErrorBody error,
    String constitutionalHash,
    String requestId,
    Instant timestamp,
    String version) {

  /** {@code details} is {@code {field: [messages]}}, or {@code {reasons: [codes]}} for a governance denial. */
  record ErrorBody(String code, String message, Map<String, List<String>> details, String constitutionalHash) {}
}
