package dev.agentbus.actors.keys;

import dev.agentbus.actors.CborSerializable;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A stored key: never the key itself, only its hash ({@link ApiKeySecrets#hash}).
 *
 * @param scopes distinct and in declaration order, so that the hash chain sees one encoding
 * @param revokedAt null while the key is active
 * @param roles the approver roles of the key's principal (e.g. {@code security_team}); distinct, sorted,
 *     lower case; empty for a key issued without roles
 */
public record ApiKey(
    String id, String keyHash, String tenantId, String principal, List<Scope> scopes, Instant createdAt,
    Instant revokedAt, List<String> roles) implements CborSerializable {

  public ApiKey {
    scopes = normalize(scopes);
    roles = normalizeRoles(roles);
  }

  /** A key without roles. */
  public ApiKey(
      String id, String keyHash, String tenantId, String principal, List<Scope> scopes, Instant createdAt,
      Instant revokedAt) {
    this(id, keyHash, tenantId, principal, scopes, createdAt, revokedAt, List.of());
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
    return new ApiKey(id, keyHash, tenantId, principal, scopes, createdAt, at, roles);
  }

  /** Trimmed, lower case, distinct and sorted, so that the hash chain sees one encoding; null is empty. */
  public static List<String> normalizeRoles(Collection<String> roles) {
    return roles == null ? List.of() : roles.stream().filter(r -> r != null && !r.isBlank())
        .map(r -> r.trim().toLowerCase(Locale.ROOT)).distinct().sorted().toList();
  }

  static List<Scope> normalize(Collection<Scope> scopes) {
    return scopes == null ? List.of() : scopes.stream().distinct().sorted().toList();
  }
}
