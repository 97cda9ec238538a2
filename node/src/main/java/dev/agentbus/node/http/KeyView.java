package dev.agentbus.node.http;

import dev.agentbus.actors.keys.ApiKey;
import dev.agentbus.actors.keys.IssuedKey;
import dev.agentbus.actors.keys.Scope;
import java.time.Instant;
import java.util.List;

/**
 * An API key on the wire. Never its hash; the key itself ({@code key}) only in the answer that created
 * it, omitted everywhere else.
 */
record KeyView(
    String id, String key, String tenantId, String principal, List<String> scopes, String status, Instant createdAt,
    Instant revokedAt, List<String> roles) {

  static KeyView of(ApiKey k) {
    return new KeyView(k.id(), null, k.tenantId(), k.principal(), k.scopes().stream().map(Scope::wire).toList(),
        k.revoked() ? "revoked" : "active", k.createdAt(), k.revokedAt(), k.roles());
  }

  static KeyView issued(IssuedKey issued) {
    KeyView v = of(issued.key());
    return new KeyView(v.id(), issued.secret(), v.tenantId(), v.principal(), v.scopes(), v.status(), v.createdAt(),
        null, v.roles());
  }
}
