package dev.agentbus.node.http;

import dev.agentbus.actors.keys.Scope;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Works out the {@link Caller} of a request. This is the single place where identity enters the API:
 * {@link #fromTenantHeader()} trusts a header, {@link KeyTenancy} requires an API key. An implementation
 * may throw {@link ApiError#unauthorized} to refuse a request. The route wrappers let a credential-based
 * implementation resolve the caller asynchronously before any handler runs; by default they pass through.
 */
@FunctionalInterface
public interface Tenancy {

  String TENANT_HEADER = "X-Tenant-ID";
  int MAX_TENANT_LENGTH = 128;

  Caller identify(HttpRequest request);

  /** Wraps every authenticated route: may answer 401 or 429 instead of running {@code inner}. */
  default Route authenticate(Supplier<Route> inner) {
    return inner.get();
  }

  /** Inside {@link #authenticate}: runs {@code inner} only for a caller with one of the scopes (else 403). */
  default Route requireScope(Set<Scope> anyOf, Supplier<Route> inner) {
    return inner.get();
  }

  /** Wraps the WebSocket upgrade, which carries no headers from a browser-style client. */
  default Route authenticatePush(Supplier<Route> inner) {
    return inner.get();
  }

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
