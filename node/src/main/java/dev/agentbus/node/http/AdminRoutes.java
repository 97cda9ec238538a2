package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.keys.ApiKey;
import dev.agentbus.actors.keys.ApiKeys;
import dev.agentbus.actors.keys.Scope;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /api/v1/admin} (admin scope only, which {@code HttpApi} checks before these routes): issue,
 * list and revoke API keys, create and list tenants. Admin keys act across tenants. A key is shown once,
 * in the answer that creates it; lists never show it.
 */
final class AdminRoutes {

  static final int MAX_PRINCIPAL_LENGTH = 128;
  /** An approver role: what approval policies name (e.g. security_team). */
  private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  /** Far more roles than any principal needs (the original knows seven). */
  private static final int MAX_ROLES = 32;
  private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9._:@-]{1," + Tenancy.MAX_TENANT_LENGTH + "}");
  private static final String SCOPES = "agent, operator, admin";

  private final ApiKeys keys;
  private final Bodies bodies;
  private final Endpoint endpoint;
  private final int defaultPageSize;
  private final int maxPageSize;

  AdminRoutes(ApiKeys keys, Bodies bodies, Endpoint endpoint, int defaultPageSize, int maxPageSize) {
    this.keys = keys;
    this.bodies = bodies;
    this.endpoint = endpoint;
    this.defaultPageSize = defaultPageSize;
    this.maxPageSize = maxPageSize;
  }

  Route route() {
    return pathPrefix("admin", () -> concat(
        pathPrefix("keys", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> endpoint.respond(this::listKeys)),
                post(() -> endpoint.respond(this::issueKey)))),
            path(segment(), keyId -> delete(() -> endpoint.respond(ex -> revokeKey(keyId)))))),
        pathPrefix("tenants", () -> pathEndOrSingleSlash(() -> concat(
            get(() -> endpoint.respond(this::listTenants)),
            post(() -> endpoint.respond(this::createTenant)))))));
  }

  // ---- keys ----

  private CompletionStage<Reply> issueKey(Exchange ex) {
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String tenantId = f.requiredString("tenantId", Tenancy.MAX_TENANT_LENGTH);
      String principal = f.requiredString("principal", MAX_PRINCIPAL_LENGTH);
      Set<Scope> scopes = scopes(f);
      List<String> roles = roles(f);
      Hashes.checkBodyHash(f);
      f.check();
      return keys.issue(tenantId, principal, scopes, roles);
    }).thenApply(issued -> Reply.created(KeyView.issued(issued)));
  }

  private static Set<Scope> scopes(Fields f) {
    Optional<JsonNode> node = f.node("scopes");
    if (node.isEmpty()) {
      f.fail("scopes", "is required");
      return Set.of();
    }
    if (!node.get().isArray() || node.get().isEmpty()) {
      f.fail("scopes", "must be a non-empty array of " + SCOPES);
      return Set.of();
    }
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (JsonNode item : node.get()) {
      Optional<Scope> scope = item.isTextual() ? Scope.parse(item.textValue()) : Optional.empty();
      if (scope.isEmpty()) {
        f.fail("scopes", "must contain only " + SCOPES);
        return Set.of();
      }
      scopes.add(scope.get());
    }
    return scopes;
  }

  /** Optional; absent means none (a key without approver roles, as before roles existed). */
  private static List<String> roles(Fields f) {
    Optional<JsonNode> node = f.node("roles");
    if (node.isEmpty()) return List.of();
    String rule = "must be an array of at most " + MAX_ROLES + " roles (letters, digits, '_', '.', '-'; at most 64)";
    if (!node.get().isArray() || node.get().size() > MAX_ROLES) {
      f.fail("roles", rule);
      return List.of();
    }
    List<String> roles = new ArrayList<>();
    for (JsonNode item : node.get()) {
      if (!item.isTextual() || !ROLE.matcher(item.textValue()).matches()) {
        f.fail("roles", rule);
        return List.of();
      }
      roles.add(item.textValue());
    }
    return roles;
  }

  private CompletionStage<Reply> revokeKey(String keyId) {
    if (!Responses.isUuid(keyId)) throw ApiError.badRequest("invalid_key_id", "Key id must be a UUID");
    return keys.revoke(keyId).thenApply(k -> Reply.ok(KeyView.of(k)));
  }

  private CompletionStage<Reply> listKeys(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", defaultPageSize), maxPageSize);
    Optional<String> tenant = q.get("tenantId");
    return keys.keys().thenApply(all -> {
      List<ApiKey> matching = all.stream().filter(k -> tenant.isEmpty() || tenant.get().equals(k.tenantId())).toList();
      return Reply.ok(page(matching.stream().map(KeyView::of).toList(), page, pageSize));
    });
  }

  // ---- tenants ----

  private CompletionStage<Reply> createTenant(Exchange ex) {
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String id = f.requiredString("id", Tenancy.MAX_TENANT_LENGTH);
      if (id != null && !TENANT_ID.matcher(id).matches()) {
        f.fail("id", "may contain only letters, digits and . _ : @ -");
      }
      String name = f.requiredString("name", 255);
      Hashes.checkBodyHash(f);
      f.check();
      return keys.createTenant(id, name);
    }).thenApply(t -> Reply.created(TenantView.of(t)));
  }

  private CompletionStage<Reply> listTenants(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", defaultPageSize), maxPageSize);
    return keys.tenants().thenApply(all ->
        Reply.ok(page(all.stream().map(TenantView::of).toList(), page, pageSize)));
  }

  private static <T> PageView<T> page(List<T> all, int page, int pageSize) {
    long from = (long) (page - 1) * pageSize;
    List<T> slice = all.stream().skip(from).limit(pageSize).toList();
    return PageView.of(slice, all.size(), page, pageSize);
  }
}
