package dev.agentbus.node.http;

import dev.agentbus.actors.keys.Tenant;
import java.time.Instant;

/** A tenant on the wire. */
record TenantView(String id, String name, Instant createdAt) {

  static TenantView of(Tenant t) {
    return new TenantView(t.id(), t.name(), t.createdAt());
  }
}
