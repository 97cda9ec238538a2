package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.keys.ApiKey;
import dev.agentbus.actors.keys.ApiKeys;
import dev.agentbus.actors.keys.Scope;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKey;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The caller is the API key's: {@code X-API-Key: <key>} or {@code Authorization: Bearer <key>} (the SDKs
 * send one or the other), looked up through {@link ApiKeys}' short-lived cache. The tenant, principal and
 * scopes come from the key ({@code X-Tenant-ID} may repeat it; naming another tenant is 403
 * {@code tenant_mismatch}). Refusals: 401 {@code authentication_required}
 * (no key), {@code invalid_api_key} (unknown or malformed), {@code api_key_revoked}; 403
 * {@code insufficient_scope}; 429 {@code rate_limited} with an integer {@code Retry-After} (per key, per
 * node). The WebSocket also takes {@code ?apiKey=}; without any key it is refused only when
 * {@code agentbus.http.auth.ws-require-key} is on, because the SDK's socket carries no credentials.
 */
final class KeyTenancy implements Tenancy {

  static final String API_KEY_HEADER = "X-API-Key";
  static final String API_KEY_QUERY = "apiKey";
  /** Who may use {@code /api/v1/agents} and the WebSocket. */
  static final Set<Scope> AGENT_SCOPES = Set.of(Scope.AGENT, Scope.OPERATOR);
  static final Set<Scope> ADMIN_SCOPES = Set.of(Scope.ADMIN);

  /** Far longer than any key issued or accepted; longer values are refused before hashing. */
  private static final int MAX_KEY_LENGTH = 512;
  private static final String BEARER = "bearer ";
  // set only by this class, after the key was checked: clients cannot forge request attributes
  private static final AttributeKey<Caller> CALLER = AttributeKey.create("agentbus.caller", Caller.class);

  private final ApiKeys keys;
  private final AuthSettings settings;
  private final RateLimiter limiter;
  private final AgentAccess access;

  KeyTenancy(ApiKeys keys, AuthSettings settings, RateLimiter limiter, AgentAccess access) {
    this.keys = keys;
    this.settings = settings;
    this.limiter = limiter;
    this.access = access;
  }

  static KeyTenancy create(ActorSystem<?> system, AgentBus bus, AuthSettings settings) {
    return new KeyTenancy(ApiKeys.get(system), settings, new RateLimiter(settings, System::nanoTime),
        new AgentAccess(bus));
  }

  ApiKeys keys() {
    return keys;
  }

  @Override
  public Caller identify(HttpRequest request) {
    return request.getAttribute(CALLER).orElseThrow(KeyTenancy::noKey);
  }

  @Override
  public Route authenticate(Supplier<Route> inner) {
    return extractRequest(request -> {
      Optional<String> presented;
      try {
        presented = credential(request, false);
      } catch (ApiError e) {
        return refuse(request, e);
      }
      if (presented.isEmpty()) return refuse(request, noKey());
      return withCaller(request, presented.get(), caller -> {
        Optional<ApiError> conflict = tenantHeaderConflict(request, caller);
        if (conflict.isPresent()) return refuse(request, conflict.get());
        return mapRequest(r -> r.addAttribute(CALLER, caller), inner);
      });
    });
  }

  /**
   * The tenant is the key's. A client that also names another tenant in {@code X-Tenant-ID} is refused
   * rather than silently moved to the key's tenant: its configuration is wrong, and it should learn so.
   */
  private static Optional<ApiError> tenantHeaderConflict(HttpRequest request, Caller caller) {
    Optional<String> named = request.getHeader(TENANT_HEADER).map(HttpHeader::value).map(String::trim)
        .filter(t -> !t.isEmpty());
    if (named.isEmpty() || named.get().equals(caller.tenantId())) return Optional.empty();
    return Optional.of(ApiError.forbidden("tenant_mismatch",
        TENANT_HEADER + " names another tenant than the API key's ('" + caller.tenantId() + "')"));
  }

  @Override
  public Route requireScope(Set<Scope> anyOf, Supplier<Route> inner) {
    return extractRequest(request -> {
      Optional<Caller> caller = request.getAttribute(CALLER);
      if (caller.isEmpty()) return refuse(request, noKey());
      if (!caller.get().hasAny(anyOf)) return refuse(request, insufficientScope(anyOf));
      return inner.get();
    });
  }

  @Override
  public Route authenticatePush(Supplier<Route> inner) {
    return extractRequest(request -> {
      // with keys on, a tenant header proves nothing: drop it so that the push route never trusts it
      Supplier<Route> pass = () -> mapRequest(r -> r.removeHeader(TENANT_HEADER), inner);
      Optional<String> presented;
      Optional<String> agentId;
      try {
        presented = credential(request, true);
        agentId = QueryParams.of(request).get("agentId");
      } catch (ApiError e) {
        return refuse(request, e);
      }
      if (presented.isEmpty()) {
        // the SDK's socket sends no credentials: the agent id is then the only one (unless required)
        return settings.wsRequireKey() ? refuse(request, noKey()) : pass.get();
      }
      return withCaller(request, presented.get(), caller -> {
        Optional<ApiError> conflict = tenantHeaderConflict(request, caller);
        if (conflict.isPresent()) return refuse(request, conflict.get());
        if (!caller.hasAny(AGENT_SCOPES)) return refuse(request, insufficientScope(AGENT_SCOPES));
        // no agent id: the push route answers the 400
        if (agentId.isEmpty()) return pass.get();
        return onComplete(access.authorize(caller, agentId.get()), checked -> checked.isSuccess()
            ? pass.get()
            : refuse(request, ErrorMapping.toApiError(checked.failed().get())));
      });
    });
  }

  /** Looks the key up, refuses unknown, revoked and over-limit keys, then continues with the caller. */
  private Route withCaller(HttpRequest request, String presented, Function<Caller, Route> next) {
    return onComplete(keys.lookup(presented), found -> {
      if (found.isFailure()) return refuse(request, ErrorMapping.toApiError(found.failed().get()));
      Optional<ApiKey> key = found.get();
      if (key.isEmpty()) return refuse(request, ApiError.unauthorized("invalid_api_key", "The API key is not valid"));
      if (key.get().revoked()) {
        return refuse(request, ApiError.unauthorized("api_key_revoked", "The API key has been revoked"));
      }
      int waitSeconds = limiter.acquire(key.get().id());
      if (waitSeconds > 0) {
        ApiError tooMany = ApiError.of(429, "rate_limited",
            "Too many requests for this API key; retry after " + waitSeconds + " s", null);
        HttpResponse limited = Responses.error(tooMany, Responses.requestId(request));
        return complete(limited.addHeader(RawHeader.create("Retry-After", Integer.toString(waitSeconds))));
      }
      return next.apply(Caller.of(key.get()));
    });
  }

  /**
   * The presented key: a Bearer token, else {@code X-API-Key}, else (WebSocket only) {@code ?apiKey=}.
   * Empty when none is given; a malformed one is refused.
   */
  static Optional<String> credential(HttpRequest request, boolean queryAllowed) {
    Optional<String> authorization = request.getHeader("Authorization").map(HttpHeader::value).map(String::trim);
    if (authorization.isPresent()) {
      String value = authorization.get();
      if (!value.toLowerCase(Locale.ROOT).startsWith(BEARER)) {
        throw ApiError.unauthorized("invalid_api_key", "Authorization must be 'Bearer <api key>'");
      }
      return Optional.of(checked(value.substring(BEARER.length()).trim()));
    }
    Optional<String> header = request.getHeader(API_KEY_HEADER).map(HttpHeader::value).map(String::trim)
        .filter(v -> !v.isEmpty());
    if (header.isPresent()) return Optional.of(checked(header.get()));
    if (queryAllowed) return QueryParams.of(request).get(API_KEY_QUERY).map(KeyTenancy::checked);
    return Optional.empty();
  }

  private static String checked(String key) {
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.unauthorized("invalid_api_key", "The API key is not valid");
    }
    return key;
  }

  private static ApiError noKey() {
    return ApiError.unauthorized("authentication_required",
        "An API key is required: send 'X-API-Key: <key>' or 'Authorization: Bearer <key>'");
  }

  private static ApiError insufficientScope(Set<Scope> anyOf) {
    String wanted = anyOf.stream().map(Scope::wire).sorted().reduce((a, b) -> a + " or " + b).orElse("");
    return ApiError.forbidden("insufficient_scope", "This API key lacks the scope for this endpoint (" + wanted + ")");
  }

  private static Route refuse(HttpRequest request, ApiError error) {
    HttpResponse response = Responses.error(error, Responses.requestId(request));
    if (error.status() == 401) {
      response = response.addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"agentbus\""));
    }
    return complete(response);
  }
}
