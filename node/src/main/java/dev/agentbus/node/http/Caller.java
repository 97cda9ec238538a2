package dev.agentbus.node.http;

import dev.agentbus.actors.keys.ApiKey;
import dev.agentbus.actors.keys.Scope;
import dev.agentbus.actors.model.Tenants;
import java.util.List;
import java.util.Set;

/**
 * Who is calling: with API keys on, the key's tenant, principal and scopes ({@link KeyTenancy});
 * otherwise only the tenant of the trusted {@code X-Tenant-ID} header, with no principal and no scopes.
 *
 * @param tenantId null for "no tenant"
 * @param principal null when no key was given
 * @param keyId null when no key was given
 * @param roles the principal's approver roles (from the key; empty without a key)
 */
public record Caller(String tenantId, String principal, String keyId, Set<Scope> scopes, List<String> roles) {

  public Caller {
    tenantId = Tenants.normalize(tenantId);
    scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
    roles = roles == null ? List.of() : List.copyOf(roles);
  }

  public Caller(String tenantId, String principal, String keyId, Set<Scope> scopes) {
    this(tenantId, principal, keyId, scopes, List.of());
  }

  /** A caller known only by its tenant header. */
  public Caller(String tenantId) {
    this(tenantId, null, null, Set.of());
  }

  static Caller of(ApiKey key) {
    return new Caller(key.tenantId(), key.principal(), key.id(), Set.copyOf(key.scopes()), key.roles());
  }

  public boolean hasAny(Set<Scope> wanted) {
    return wanted.stream().anyMatch(scopes::contains);
  }
}
