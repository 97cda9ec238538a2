package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.patch;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.keys.Scope;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.policy.BundleCompilationException;
import dev.agentbus.actors.policy.CompiledBundle;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.InvalidBundleException;
import dev.agentbus.actors.policy.Policies;
import dev.agentbus.actors.policy.Policies.PolicyException;
import dev.agentbus.actors.policy.PolicyRegistry;
import dev.agentbus.actors.policy.PolicyRule;
import dev.agentbus.actors.policy.PolicyStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The policies API of contract 4.6 (and the compatible part of 4.7) on {@code /api/v1/policies}, over the
 * cluster-wide {@link Policies} registry. A policy is one constitution bundle; its {@code rules} are the
 * bundle's rule objects {@code {id, description, expression, effect, severity, enforcement}}.
 *
 * <ul>
 *   <li>{@code POST policies}: a new draft; {@code createdBy} is the API key's principal ({@code anonymous}
 *       with keys off);
 *   <li>{@code GET policies} ({@code page, pageSize, status, tags} repeated or comma-joined,
 *       {@code sortBy} createdAt|updatedAt|name, {@code sortOrder}): paginated;
 *   <li>{@code GET policies/{id}}; {@code PATCH policies/{id}} (a new version; {@code status} too);
 *   <li>{@code POST policies/{id}/status} {@code {status}}; {@code active} makes it the active bundle;
 *       {@code PUT policies/{id}/activate} (4.7) is the same as {@code {status: active}};
 *   <li>{@code GET policies/{id}/versions}, {@code GET policies/{id}/versions/{version}};
 *   <li>{@code POST policies/{id}/verify} {@code {input | message}}: a dry run of one message against that
 *       policy, active or not, with every rule's verdict (4.7's verify, extended);
 *   <li>{@code POST policies/validate} {@code {rules}}: whether the rules compile (4.6);
 *   <li>{@code POST policies/rollback}: back to the last known good bundle;
 *   <li>{@code GET policies/stats}: this node's active bundle, decision cache hits, misses and evictions, and
 *       the OPA breaker.
 * </ul>
 *
 * Policies govern every tenant, so with API keys on every change needs the {@code operator} or
 * {@code admin} scope; an {@code agent} key may read, validate and dry-run.
 */
final class PolicyRoutes {
  private static final int MAX_NAME_LENGTH = 255;
  private static final int MAX_DESCRIPTION_LENGTH = 4000;
  private static final int MAX_RULES = 1000;
  private static final int MAX_EXPRESSION_LENGTH = 16_384;
  private static final int MAX_TAGS = 64;
  private static final int MAX_TAG_LENGTH = 128;
  private static final Set<Scope> CHANGE_SCOPES = Set.of(Scope.OPERATOR, Scope.ADMIN);
  private static final String STATUSES = "draft, pending_review, approved, active, deprecated, archived";
  private static final String EFFECTS = "deny, require_deliberation, allow";
  private static final String SEVERITIES = "low, medium, high, critical";
  private static final String ENFORCEMENTS = "deny, dryrun, warn";

  private final Policies policies;
  private final AgentBus bus;
  private final Bodies bodies;
  private final Endpoint endpoint;
  private final int defaultPageSize;
  private final int maxPageSize;

  PolicyRoutes(AgentBus bus, Bodies bodies, Endpoint endpoint) {
    this.bus = bus;
    this.policies = bus.policies();
    this.bodies = bodies;
    this.endpoint = endpoint;
    this.defaultPageSize = bus.settings().defaultPageSize();
    this.maxPageSize = bus.settings().maxPageSize();
  }

  /** Relative to {@code /api/v1}. */
  Route route() {
    return pathPrefix("policies", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> endpoint.respond(this::list)),
            post(() -> endpoint.respond(this::create)))),
        path("rollback", () -> post(() -> endpoint.respond(this::rollBack))),
        path("stats", () -> get(() -> endpoint.respond(this::stats))),
        path("validate", () -> post(() -> endpoint.respond(this::validate))),
        pathPrefix(segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> endpoint.respond(ex -> one(ex, id))),
                patch(() -> endpoint.respond(ex -> update(ex, id))))),
            path("status", () -> post(() -> endpoint.respond(ex -> status(ex, id)))),
            path("activate", () -> put(() -> endpoint.respond(ex -> activate(ex, id)))),
            path("verify", () -> post(() -> endpoint.respond(ex -> verify(ex, id)))),
            pathPrefix("versions", () -> concat(
                pathEndOrSingleSlash(() -> get(() -> endpoint.respond(ex -> versions(ex, id)))),
                path(segment(), v -> get(() -> endpoint.respond(ex -> version(ex, id, v))))))))));
  }

  // ---- reading ----

  /** This node's policy step: the active bundle, decision cache counts, the OPA breaker. */
  private CompletionStage<Reply> stats(Exchange ex) {
    return CompletableFuture.completedFuture(Reply.ok(PolicyView.Stats.of(bus)));
  }

  private CompletionStage<Reply> one(Exchange ex, String id) {
    return mapped(policies.get(checkId(id))).thenApply(p -> Reply.ok(PolicyView.of(p)));
  }

  private CompletionStage<Reply> list(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", defaultPageSize), maxPageSize);
    PolicyStatus status = q.get("status").map(s -> {
      try {
        return PolicyStatus.fromWire(s);
      } catch (IllegalArgumentException e) {
        throw QueryParams.invalid("status", "must be one of " + STATUSES);
      }
    }).orElse(null);
    Set<String> tags = tagFilter(ex);
    Comparator<PolicyRegistry.PolicyView> order = order(q);
    return mapped(policies.list()).thenApply(all -> {
      List<PolicyRegistry.PolicyView> selected = all.stream()
          .filter(p -> status == null || p.status() == status)
          .filter(p -> p.tags().containsAll(tags))
          .sorted(order)
          .toList();
      long from = Math.min((long) (page - 1) * pageSize, selected.size());
      List<PolicyView> items = selected.subList((int) from, (int) Math.min(from + pageSize, selected.size()))
          .stream().map(PolicyView::of).toList();
      return Reply.ok(PageView.of(items, selected.size(), page, pageSize));
    });
  }

  /** {@code tags=a&tags=b} (TS) and {@code tags=a,b} (Python) alike: a policy must carry every one. */
  private static Set<String> tagFilter(Exchange ex) {
    Set<String> tags = new LinkedHashSet<>();
    String raw = ex.request().getUri().rawQueryString().orElse("");
    for (String pair : raw.split("[&?]")) {
      int eq = pair.indexOf('=');
      if (eq < 0 || !decode(pair.substring(0, eq)).equals("tags")) continue;
      Arrays.stream(decode(pair.substring(eq + 1)).split(",")).map(String::trim).filter(t -> !t.isEmpty())
          .forEach(tags::add);
    }
    return tags;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_query_parameter", "The query string is not correctly encoded");
    }
  }

  private static Comparator<PolicyRegistry.PolicyView> order(QueryParams q) {
    String sortBy = q.get("sortBy").orElse("createdAt");
    Comparator<PolicyRegistry.PolicyView> c = switch (sortBy) {
      case "createdAt" -> Comparator.comparing(PolicyRegistry.PolicyView::createdAt);
      case "updatedAt" -> Comparator.comparing(PolicyRegistry.PolicyView::updatedAt);
      case "name" -> Comparator.comparing(p -> p.name().toLowerCase(Locale.ROOT));
      case "status" -> Comparator.comparing(p -> p.status().wire());
      default -> throw QueryParams.invalid("sortBy", "must be createdAt, updatedAt, name or status");
    };
    String sortOrder = q.get("sortOrder").orElse("desc").toLowerCase(Locale.ROOT);
    if (!sortOrder.equals("asc") && !sortOrder.equals("desc")) throw QueryParams.invalid("sortOrder", "must be asc or desc");
    c = c.thenComparing(PolicyRegistry.PolicyView::id);
    return sortOrder.equals("asc") ? c : c.reversed();
  }

  private CompletionStage<Reply> versions(Exchange ex, String id) {
    return mapped(policies.get(checkId(id))).thenApply(p -> Reply.ok(PolicyView.versions(p)));
  }

  private CompletionStage<Reply> version(Exchange ex, String id, String version) {
    return mapped(policies.get(checkId(id))).thenApply(p -> PolicyView.versions(p).stream()
        .filter(v -> v.version().equals(version))
        .findFirst()
        .map(Reply::ok)
        .orElseThrow(() -> ApiError.notFound("policy_version_not_found",
            "Policy " + id + " has no version '" + version + "' (old versions may have been dropped)")));
  }

  // ---- changing ----

  private CompletionStage<Reply> create(Exchange ex) {
    String principal = changer(ex.caller());
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String id = UUID.randomUUID().toString();
      // either rule objects (contract 4.6), or a whole bundle document as signed offline (agentbus policies sign)
      ConstitutionBundle document = f.has("bundle") ? document(f) : null;
      String name = f.has("bundle") && !f.has("name")
          ? (document == null ? null : document.id()) : f.requiredString("name", MAX_NAME_LENGTH);
      String description = f.optionalString("description", MAX_DESCRIPTION_LENGTH);
      List<PolicyRule> rules = document == null ? rules(f, true) : List.of();
      List<String> tags = tags(f);
      Hashes.checkBodyHash(f);
      f.check();
      ConstitutionBundle bundle = document != null ? document : bundle(id, "1", rules);
      return mapped(policies.upload(id, name, description, tags, bundle, principal));
    }).thenApply(p -> Reply.created(PolicyView.of(p)));
  }

  private CompletionStage<Reply> update(Exchange ex, String idText) {
    String id = checkId(idText);
    String principal = changer(ex.caller());
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String name = f.has("name") ? f.requiredString("name", MAX_NAME_LENGTH) : null;
      String description = f.optionalString("description", MAX_DESCRIPTION_LENGTH);
      List<PolicyRule> rules = f.has("rules") ? rules(f, true) : null;
      boolean tagsGiven = f.has("tags") || f.has("complianceTags") || f.has("compliance_tags");
      List<String> tags = tagsGiven ? tags(f) : null;
      PolicyStatus status = status(f, false);
      Hashes.checkBodyHash(f);
      f.check();
      boolean revise = name != null || description != null || rules != null || tags != null;
      CompletionStage<PolicyRegistry.PolicyView> revised = !revise
          ? mapped(policies.get(id))
          : mapped(policies.get(id)).thenCompose(current -> {
            // tags and compliance tags share the registry's tag list: a change to one keeps the other
            List<String> merged = tags == null ? null : mergeTags(current.tags(), tags, f.has("tags"),
                f.has("complianceTags") || f.has("compliance_tags"));
            ConstitutionBundle bundle = rules == null ? null
                : bundle(id, Long.toString(Long.parseLong(current.current().version()) + 1), rules);
            return mapped(policies.revise(id, name, description, merged, bundle, principal));
          });
      if (status == null) return revised;
      return revised.thenCompose(p -> mapped(policies.changeStatus(id, status, principal)));
    }).thenApply(p -> Reply.ok(PolicyView.of(p)));
  }

  private CompletionStage<Reply> status(Exchange ex, String idText) {
    String id = checkId(idText);
    String principal = changer(ex.caller());
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      PolicyStatus status = status(f, true);
      Hashes.checkBodyHash(f);
      f.check();
      return mapped(policies.changeStatus(id, status, principal));
    }).thenApply(p -> Reply.ok(PolicyView.of(p)));
  }

  private CompletionStage<Reply> activate(Exchange ex, String idText) {
    String id = checkId(idText);
    String principal = changer(ex.caller());
    return bodies.optionalObject(ex.request()).thenCompose(body -> {
      if (body.isPresent()) {
        Fields f = new Fields(body.get());
        Hashes.checkBodyHash(f);
        f.check();
      }
      return mapped(policies.activate(id, principal));
    }).thenApply(p -> Reply.ok(PolicyView.of(p)));
  }

  private CompletionStage<Reply> rollBack(Exchange ex) {
    String principal = changer(ex.caller());
    return bodies.optionalObject(ex.request()).thenCompose(body -> {
      if (body.isPresent()) {
        Fields f = new Fields(body.get());
        Hashes.checkBodyHash(f);
        f.check();
      }
      return mapped(policies.rollBack(principal));
    }).thenApply(p -> Reply.ok(PolicyView.of(p)));
  }

  // ---- dry runs ----

  private CompletionStage<Reply> validate(Exchange ex) {
    return bodies.object(ex.request()).thenApply(body -> {
      Fields f = new Fields(body);
      List<String> errors = new ArrayList<>();
      List<PolicyRule> rules = rules(f, true);
      Hashes.checkBodyHash(f);
      f.check();
      try {
        CompiledBundle.compile(bundle("validate", "1", rules));
      } catch (BundleCompilationException e) {
        e.failures().forEach(x -> errors.add(x.ruleId() + ": " + x.compilerMessage()));
      }
      return Reply.ok(new PolicyView.Validation(errors.isEmpty(), errors));
    });
  }

  private CompletionStage<Reply> verify(Exchange ex, String idText) {
    String id = checkId(idText);
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String field = f.has("message") ? "message" : "input";
      Optional<JsonNode> given = f.node(field);
      if (given.isEmpty() || !given.get().isObject()) {
        f.fail("message", "is required: the message to evaluate, as it would be sent (also accepted as input)");
      }
      Hashes.checkBodyHash(f);
      f.check();
      ObjectNode m = (ObjectNode) given.get();
      String source = m.path("sourceAgentId").isTextual() ? m.get("sourceAgentId").textValue() : "";
      AgentMessage message;
      try {
        message = SendRequest.parse(m, source, ex.caller(), UUID.randomUUID(), Instant.now());
      } catch (ApiError e) {
        // the message's fields, reported under the field that holds it
        throw e.details() == null ? e : ApiError.invalidFields(prefixed(field, e.details()));
      }
      return mapped(policies.get(id)).thenCompose(p -> profile(ex.caller(), message.sourceAgentId())
          .thenCombine(message.isBroadcast() ? CompletableFuture.completedFuture(null)
              : profile(ex.caller(), message.targetAgentId()), (sender, recipient) -> {
                CompiledBundle compiled;
                try {
                  compiled = CompiledBundle.compile(p.bundle());
                } catch (BundleCompilationException e) {
                  throw compileError(e.getMessage());
                }
                return Reply.ok(PolicyView.DryRun.of(p.id(), p.current().version(),
                    compiled.dryRun(GovernanceRequest.of(message, sender, recipient))));
              }));
    });
  }

  /** A registered agent of the caller's tenant, or null: a dry run never shows another tenant's profile. */
  private CompletionStage<AgentProfile> profile(Caller caller, String agentId) {
    if (agentId == null || agentId.isBlank()) return CompletableFuture.completedFuture(null);
    return bus.profile(agentId).handle((p, e) ->
        e == null && p != null && AgentMessage.sameTenant(caller.tenantId(), p.tenantId()) ? p : null);
  }

  private static Map<String, List<String>> prefixed(String field, Map<String, List<String>> details) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    details.forEach((k, v) -> out.put(field + "." + k, v));
    return out;
  }

  // ---- reading bodies ----

  /**
   * {@code bundle}: a constitution bundle document (YAML or JSON text, or a JSON object) with its own id,
   * version, sections and signatures, stored as it is so its signatures stay valid. Its constitutional hash
   * must be this node's; the same limits as for rule objects apply.
   */
  private static ConstitutionBundle document(Fields f) {
    JsonNode n = f.node("bundle").orElseThrow();
    if (f.has("rules")) f.fail("rules", "give either rules or a bundle, not both");
    if (!n.isTextual() && !n.isObject()) {
      f.fail("bundle", "must be a bundle document: YAML or JSON text, or a JSON object");
      return null;
    }
    ConstitutionBundle b;
    try {
      b = ConstitutionBundle.parse(n.isTextual() ? n.textValue() : n.toString());
    } catch (InvalidBundleException e) {
      f.fail("bundle", e.getMessage());
      return null;
    } catch (RuntimeException e) {
      f.fail("bundle", "is not a readable bundle document");
      return null;
    }
    if (!Responses.CONSTITUTIONAL_HASH.equals(b.constitutionalHash())) {
      f.fail("bundle.constitutionalHash", "must be this bus's constitutional hash " + Responses.CONSTITUTIONAL_HASH);
    }
    if (b.rules().size() > MAX_RULES) f.fail("bundle.rules", "must have at most " + MAX_RULES + " rules");
    for (PolicyRule r : b.rules()) {
      if (r.expression().length() > MAX_EXPRESSION_LENGTH) {
        f.fail("bundle.rules", "rule '" + r.id() + "': expression must be at most " + MAX_EXPRESSION_LENGTH
            + " characters");
      }
    }
    return b;
  }

  /** The rule objects of {@code rules}; each problem is reported under {@code rules[i]}. */
  private static List<PolicyRule> rules(Fields f, boolean required) {
    Optional<JsonNode> n = f.node("rules");
    if (n.isEmpty()) {
      if (required) f.fail("rules", "is required: an array of {id, description, expression, effect, severity, enforcement}");
      return List.of();
    }
    if (!n.get().isArray()) {
      f.fail("rules", "must be an array of rule objects");
      return List.of();
    }
    if (n.get().size() > MAX_RULES) {
      f.fail("rules", "must have at most " + MAX_RULES + " rules");
      return List.of();
    }
    List<PolicyRule> rules = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    int i = 0;
    for (JsonNode item : n.get()) {
      String at = "rules[" + i++ + "]";
      if (!item.isObject()) {
        f.fail(at, "must be an object {id, description, expression, effect, severity, enforcement}");
        continue;
      }
      Fields r = new Fields((ObjectNode) item);
      String id = text(f, r, at, "id", 128, true);
      String description = text(f, r, at, "description", MAX_DESCRIPTION_LENGTH, false);
      String expression = text(f, r, at, "expression", MAX_EXPRESSION_LENGTH, true);
      PolicyRule.Effect effect = choice(f, r, at, "effect", PolicyRule.Effect.values(), EFFECTS, true);
      PolicyRule.Severity severity = choice(f, r, at, "severity", PolicyRule.Severity.values(), SEVERITIES, false);
      PolicyRule.Enforcement enforcement =
          choice(f, r, at, "enforcement", PolicyRule.Enforcement.values(), ENFORCEMENTS, false);
      if (id == null || expression == null || effect == null) continue;
      if (!ids.add(id)) {
        f.fail(at + ".id", "duplicate rule id '" + id + "'");
        continue;
      }
      try {
        rules.add(new PolicyRule(id, description, expression, effect, severity, enforcement));
      } catch (InvalidBundleException e) {
        f.fail(at, e.getMessage());
      }
    }
    return rules;
  }

  private static String text(Fields f, Fields r, String at, String field, int max, boolean required) {
    Optional<JsonNode> n = r.node(field);
    if (n.isEmpty()) {
      if (required) f.fail(at + "." + field, "is required");
      return null;
    }
    if (!n.get().isTextual() || (required && n.get().textValue().isBlank())) {
      f.fail(at + "." + field, required ? "must be a non-blank string" : "must be a string");
      return null;
    }
    if (n.get().textValue().length() > max) {
      f.fail(at + "." + field, "must be at most " + max + " characters");
      return null;
    }
    return n.get().textValue();
  }

  private static <E extends Enum<E>> E choice(Fields f, Fields r, String at, String field, E[] values, String expected,
      boolean required) {
    Optional<JsonNode> n = r.node(field);
    if (n.isEmpty()) {
      if (required) f.fail(at + "." + field, "is required, one of " + expected);
      return null;
    }
    if (n.get().isTextual()) {
      String given = n.get().textValue().trim();
      for (E e : values) {
        if (e.name().equalsIgnoreCase(given)) return e;
      }
    }
    f.fail(at + "." + field, "must be one of " + expected);
    return null;
  }

  /** The registry's tag list: the tags, then the compliance tags with their prefix. */
  private static List<String> tags(Fields f) {
    List<String> tags = f.has("tags") ? f.requiredStringList("tags", MAX_TAGS, MAX_TAG_LENGTH) : List.of();
    for (String t : tags) {
      if (t.startsWith(PolicyView.COMPLIANCE_PREFIX)) {
        f.fail("tags", "must not start with '" + PolicyView.COMPLIANCE_PREFIX + "' (use complianceTags)");
        break;
      }
    }
    String complianceField = f.has("complianceTags") ? "complianceTags" : "compliance_tags";
    List<String> compliance = f.has(complianceField)
        ? f.requiredStringList(complianceField, MAX_TAGS, MAX_TAG_LENGTH) : List.of();
    List<String> all = new ArrayList<>(new LinkedHashSet<>(tags));
    new LinkedHashSet<>(compliance).forEach(c -> all.add(PolicyView.COMPLIANCE_PREFIX + c));
    return all;
  }

  private static List<String> mergeTags(List<String> current, List<String> given, boolean tagsGiven,
      boolean complianceGiven) {
    List<String> out = new ArrayList<>();
    for (String t : current) {
      boolean compliance = t.startsWith(PolicyView.COMPLIANCE_PREFIX);
      if ((compliance && !complianceGiven) || (!compliance && !tagsGiven)) out.add(t);
    }
    for (String t : given) {
      boolean compliance = t.startsWith(PolicyView.COMPLIANCE_PREFIX);
      if ((compliance && complianceGiven) || (!compliance && tagsGiven)) out.add(t);
    }
    return out;
  }

  private static PolicyStatus status(Fields f, boolean required) {
    Function<String, Optional<PolicyStatus>> parse = s -> {
      try {
        return Optional.of(PolicyStatus.fromWire(s));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    };
    return required ? f.requiredEnum("status", parse, STATUSES) : f.optionalEnum("status", parse, STATUSES);
  }

  private static ConstitutionBundle bundle(String id, String version, List<PolicyRule> rules) {
    try {
      return ConstitutionBundle.of(id, version, Responses.CONSTITUTIONAL_HASH, rules);
    } catch (InvalidBundleException e) {
      throw ApiError.of(422, "invalid_policy", e.getMessage(), Map.of("rules", List.of(e.getMessage())));
    }
  }

  // ---- callers, ids and errors ----

  /**
   * Who changes the registry: the key's principal. With keys on, only operator and admin keys may change
   * what governs every tenant; with keys off there is no principal ({@code anonymous}).
   */
  private static String changer(Caller caller) {
    if (caller.keyId() == null) return "anonymous";
    if (!caller.hasAny(CHANGE_SCOPES)) {
      throw ApiError.forbidden("insufficient_scope",
          "Changing policies needs an API key with the operator or admin scope");
    }
    return caller.principal() == null || caller.principal().isBlank() ? "anonymous" : caller.principal();
  }

  /** Policy ids are UUIDs; anything else cannot name one. */
  private static String checkId(String id) {
    if (!Responses.isUuid(id)) throw ApiError.badRequest("invalid_policy_id", "A policy is named by its id (a UUID)");
    return id.toLowerCase(Locale.ROOT);
  }

  private static ApiError compileError(String message) {
    return ApiError.of(422, "policy_does_not_compile", message, Map.of("rules", List.of(message)));
  }

  /** The registry's refusals as statuses. */
  static ApiError toApiError(PolicyException e) {
    String code = e.code();
    String message = e.getMessage();
    return switch (code) {
      case "policy_not_found" -> ApiError.notFound(code, message);
      case "policy_exists", "policy_not_editable", "invalid_policy_transition", "no_active_policy",
          "no_known_good_policy", "policy_limit" -> ApiError.conflict(code, message);
      case "policy_does_not_compile" -> compileError(message);
      case "invalid_policy", "invalid_policy_status" -> ApiError.of(422, code, message, null);
      case "policy_signature_invalid" -> ApiError.forbidden(code, message);
      case "timeout" -> ApiError.unavailable(code, message);
      // anything the registry adds later: a refusal, not a crash
      default -> ApiError.of(422, code, message, null);
    };
  }

  private static <T> CompletionStage<T> mapped(CompletionStage<T> stage) {
    return stage.exceptionallyCompose(e -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      return CompletableFuture.failedFuture(cause instanceof PolicyException p ? toApiError(p) : cause);
    });
  }
}
