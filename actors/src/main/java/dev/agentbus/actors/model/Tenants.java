package dev.agentbus.actors.model;

/** Tenant id normalisation shared by every check: null and blank both mean "no tenant". */
public final class Tenants {
  private Tenants() {}

  public static String normalize(String tenantId) {
    return tenantId == null || tenantId.isBlank() ? null : tenantId.trim();
  }

  /** How a tenant is printed in reasons: {@code none} for no tenant. */
  public static String display(String tenantId) {
    String t = normalize(tenantId);
    return t == null ? "none" : t;
  }
}
