package dev.agentbus.node.http;

import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * Works out the {@link Caller} of a request. This is the single place where identity enters the API, so
 * API keys or bearer tokens can replace the header without touching any route: an implementation may
 * throw {@link ApiError#unauthorized} to refuse a request.
 */
@FunctionalInterface
public interface Tenancy {

  String TENANT_HEADER = "X-Tenant-ID";
  int MAX_TENANT_LENGTH = 128;

  Caller identify(HttpRequest request);

  /** Trusts the {@code X-Tenant-ID} header the SDKs send when a tenant is configured; absent means none. */
  static Tenancy fromTenantHeader() {
    return request -> {
      String tenant = request.getHeader(TENANT_HEADER).map(h -> h.value().trim()).orElse("");
      if (tenant.length() > MAX_TENANT_LENGTH) {
        throw ApiError.badRequest("invalid_tenant", TENANT_HEADER + " is longer than " + MAX_TENANT_LENGTH);
      }
      return new Caller(tenant);
    };
  }
}
