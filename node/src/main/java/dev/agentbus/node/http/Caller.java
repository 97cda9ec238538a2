package dev.agentbus.node.http;

import dev.agentbus.actors.model.Tenants;

/**
 * Who is calling, as far as the API can tell. Today that is only a tenant taken from a header; a
 * credential-backed {@link Tenancy} will fill it from the API key or token instead.
 *
 * @param tenantId null for "no tenant"
 */
public record Caller(String tenantId) {

  public Caller {
    tenantId = Tenants.normalize(tenantId);
  }
}
