package dev.agentbus.actors.keys;

import dev.agentbus.actors.CborSerializable;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * A stored key: never the key itself, only its hash ({@link ApiKeySecrets#hash}).
 *
 * @param scopes distinct and in declaration order, so that the hash chain sees one encoding
 * @param revokedAt null while the key is active
 */
public record ApiKey(
    String id, String keyHash, String tenantId, String principal, List<Scope> scopes, Instant createdAt,
    Instant revokedAt) implements CborSerializable {

  public ApiKey {
    scopes = normalize(scopes);
  }

  public boolean revoked() {
    return revokedAt != null;
  }

  public boolean has(Scope scope) {
    return scopes.contains(scope);
  }

  public boolean activeAdmin() {
    return !revoked() && has(Scope.ADMIN);
  }

  ApiKey withRevokedAt(Instant at) {
    return new ApiKey(id, keyHash, tenantId, principal, scopes, createdAt, at);
  }

  static List<Scope> normalize(Collection<Scope> scopes) {
    return scopes == null ? List.of() : scopes.stream().distinct().sorted().toList();
  }
}
