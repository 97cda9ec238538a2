package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.approval.ApprovalCodes;
import dev.agentbus.actors.approval.ApprovalPolicies;
import dev.agentbus.actors.approval.ApprovalPolicy;
import dev.agentbus.actors.approval.ApprovalRequest;
import dev.agentbus.actors.approval.ApprovalSettings;
import dev.agentbus.actors.approval.ApprovalStatus;
import dev.agentbus.actors.approval.Approvals;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.deliberation.DeliberationCodes;
import dev.agentbus.actors.deliberation.DeliberationQueue;
import dev.agentbus.actors.model.AgentMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The approvals API of contract 4.4, mounted on both {@code /api/v1/hitl-approvals} and
 * {@code /api/v1/governance}, and the governance decisions of 4.5 (on {@code /api/v1/governance}):
 *
 * <ul>
 *   <li>{@code POST approvals}: create; the requester is the caller's principal;
 *   <li>{@code GET approvals} ({@code page, pageSize, status, requesterId, pendingFor, sortBy, sortOrder}):
 *       the tenant's requests and its pending held messages;
 *   <li>{@code GET approvals/pending/{userId}}: what that approver may still decide;
 *   <li>{@code GET approvals/{id}}, {@code POST approvals/{id}/decisions|escalate|cancel};
 *   <li>{@code GET config}, {@code GET metrics}; {@code GET decisions}, {@code GET decisions/{id}}.
 * </ul>
 *
 * A held message is an approval request whose id is the message id; deciding it records the human decision
 * in its {@link ApprovalRequest} entity, which settles the deliberation ({@link AgentBus#decide}) once the
 * required approvers approved or one rejected. Requests of another tenant are answered 404.
 */
final class ApprovalRoutes {
  private static final int MAX_TYPE_LENGTH = 128;
  private static final int MAX_REASON_LENGTH = 2000;

  private final AgentBus bus;
  private final Approvals approvals;
  private final ApprovalSettings settings;
  private final Bodies bodies;
  private final Endpoint endpoint;

  ApprovalRoutes(AgentBus bus, Approvals approvals, Bodies bodies, Endpoint endpoint) {
    this.bus = bus;
    this.approvals = approvals;
    this.settings = approvals.settings();
    this.bodies = bodies;
    this.endpoint = endpoint;
  }

  /** Both prefixes; relative to {@code /api/v1}. Unmatched paths are rejected (so other routes may follow). */
  Route route() {
    return concat(
        pathPrefix("hitl-approvals", this::approvalRoutes),
        pathPrefix("governance", () -> concat(approvalRoutes(), decisionRoutes())));
  }

  private Route approvalRoutes() {
    return concat(
        pathPrefix("approvals", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> endpoint.respond(this::list)),
                post(() -> endpoint.respond(this::create)))),
            path(segment("pending").slash(segment()), user -> get(() -> endpoint.respond(ex -> pendingFor(ex, user)))),
            pathPrefix(segment(), id -> concat(
                pathEndOrSingleSlash(() -> get(() -> endpoint.respond(ex -> one(ex, id)))),
                path("decisions", () -> post(() -> endpoint.respond(ex -> decide(ex, id)))),
                path("escalate", () -> post(() -> endpoint.respond(ex -> escalate(ex, id)))),
                path("cancel", () -> post(() -> endpoint.respond(ex -> cancel(ex, id)))))))),
        path("config", () -> get(() -> endpoint.respond(this::config))),
        path("metrics", () -> get(() -> endpoint.respond(this::metrics))));
  }

  private Route decisionRoutes() {
    return pathPrefix("decisions", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> endpoint.respond(this::decisions))),
        path(segment(), id -> get(() -> endpoint.respond(ex -> decision(ex, id))))));
  }

  // ---- approvals ----

  private CompletionStage<Reply> create(Exchange ex) {
    String requester = principal(ex.caller());
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String type = f.requiredString("requestType", MAX_TYPE_LENGTH);
      String payload = null;
      Optional<JsonNode> p = f.node("payload");
      if (p.isEmpty()) f.fail("payload", "is required");
      else if (!p.get().isObject()) f.fail("payload", "must be an object");
      else {
        payload = Json.text(p.get());
        if (payload.getBytes(StandardCharsets.UTF_8).length > settings.maxPayloadBytes()) {
          f.fail("payload", "must be at most " + settings.maxPayloadBytes() + " bytes as JSON");
        }
      }
      double risk = number(f, "riskScore", 0, 100, 0);
      Integer required = f.has("requiredApprovers")
          ? (int) number(f, "requiredApprovers", 1, settings.maxRequiredApprovers(), settings.requiredApprovers())
          : null;
      if (required != null && f.node("requiredApprovers").map(n -> !n.canConvertToExactIntegral()).orElse(false)) {
        f.fail("requiredApprovers", "must be a whole number");
      }
      String policy = f.optionalString("policy", MAX_TYPE_LENGTH);
      if (policy != null && !policy.equals(ApprovalPolicies.BY_RISK)
          && approvals.policies().named(policy).isEmpty()) {
        f.fail("policy", "must be " + ApprovalPolicies.BY_RISK + " or one of " + approvals.policies().all().stream()
            .map(ApprovalPolicy::name).toList());
      }
      Hashes.checkBodyHash(f);
      f.check();
      return mapped(approvals.create(ex.caller().tenantId(), requester, type, payload, risk, required, policy));
    }).thenApply(v -> Reply.created(ApprovalView.of(v)));
  }

  private static double number(Fields f, String field, double min, double max, double fallback) {
    Optional<JsonNode> n = f.node(field);
    if (n.isEmpty()) return fallback;
    if (!n.get().isNumber()) {
      f.fail(field, "must be a number");
      return fallback;
    }
    double v = n.get().asDouble();
    if (!(v >= min && v <= max)) {
      f.fail(field, "must be between " + fmt(min) + " and " + fmt(max));
      return fallback;
    }
    return v;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private CompletionStage<Reply> one(Exchange ex, String id) {
    return resolve(ex.caller(), parseId(id)).thenApply(t -> Reply.ok(t.view()));
  }

  private CompletionStage<Reply> decide(Exchange ex, String idText) {
    UUID id = parseId(idText);
    String approver = principal(ex.caller());
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String decision = f.requiredString("decision", 16);
      Boolean approve = null;
      if (decision != null) {
        switch (decision.trim().toLowerCase(Locale.ROOT)) {
          case "approve", "approved" -> approve = Boolean.TRUE;
          case "reject", "rejected" -> approve = Boolean.FALSE;
          default -> f.fail("decision", "must be approve or reject");
        }
      }
      String reasoning = f.optionalString("reasoning", MAX_REASON_LENGTH);
      f.optionalInstant("timestamp");
      Hashes.checkBodyHash(f);
      f.check();
      boolean yes = approve;
      List<String> roles = ex.caller().roles();
      return resolve(ex.caller(), id)
          .thenCompose(t -> act(t, () -> approvals.decide(id, approver, roles, yes, reasoning)));
    }).thenApply(Reply::ok);
  }

  private CompletionStage<Reply> escalate(Exchange ex, String idText) {
    UUID id = parseId(idText);
    String by = principal(ex.caller());
    return bodies.optionalObject(ex.request()).thenCompose(body -> {
      String reason = null;
      if (body.isPresent()) {
        Fields f = new Fields(body.get());
        reason = f.optionalString("reason", MAX_REASON_LENGTH);
        Hashes.checkBodyHash(f);
        f.check();
      }
      String why = reason;
      return resolve(ex.caller(), id).thenCompose(t -> act(t, () -> approvals.escalate(id, by, why)));
    }).thenApply(Reply::ok);
  }

  private CompletionStage<Reply> cancel(Exchange ex, String idText) {
    UUID id = parseId(idText);
    String by = principal(ex.caller());
    return bodies.optionalObject(ex.request()).thenCompose(body -> {
      String reason = null;
      if (body.isPresent()) {
        Fields f = new Fields(body.get());
        reason = f.optionalString("reason", MAX_REASON_LENGTH);
        Hashes.checkBodyHash(f);
        f.check();
      }
      String why = reason;
      return resolve(ex.caller(), id).thenCompose(t -> {
        if (t.summary() != null) {
          throw ApiError.conflict(ApprovalCodes.NOT_CANCELLABLE, "A held message is decided, not cancelled: reject it");
        }
        return mapped(approvals.cancel(id, by, why)).thenApply(ApprovalView::of);
      });
    }).thenApply(Reply::ok);
  }

  /**
   * Applies a decision or escalation: directly to a request, or, for a held message still collecting, to the
   * human side of its deliberation (opened on first use). A decided held message is closed.
   */
  private CompletionStage<ApprovalView> act(
      Target t, java.util.function.Supplier<CompletionStage<ApprovalRequest.View>> action) {
    if (t.summary() == null) return mapped(action.get()).thenApply(ApprovalView::of);
    Deliberation.Summary s = t.summary();
    if (s.outcome() != null) {
      throw ApiError.conflict(ApprovalCodes.CLOSED, "The held message is already " + s.outcome().wire());
    }
    CompletionStage<ApprovalRequest.View> opened = t.human() != null
        ? CompletableFuture.completedFuture(t.human())
        : mapped(approvals.openHeld(heldSpec(s)));
    return opened.thenCompose(h -> mapped(action.get()))
        .thenApply(h -> ApprovalView.held(s, h, h.spec().requiredApprovers()));
  }

  private ApprovalRequest.Spec heldSpec(Deliberation.Summary s) {
    return new ApprovalRequest.Spec(s.messageId(), ApprovalRequest.Kind.HELD, s.tenantId(), ApprovalView.HELD_TYPE,
        s.senderId(), Json.text(ApprovalView.heldPayload(s)), ApprovalView.riskScore(s),
        settings.heldRequiredApprovers(), s.deadline());
  }

  private CompletionStage<Reply> list(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    Predicate<ApprovalView> filter = statusFilter(q)
        .and(v -> q.get("requesterId").map(r -> r.equals(v.requesterId())).orElse(true))
        .and(q.get("pendingFor").map(ApprovalRoutes::pendingFor).orElse(v -> true));
    return page(ex, q, filter);
  }

  private CompletionStage<Reply> pendingFor(Exchange ex, String user) {
    return page(ex, QueryParams.of(ex.request()), pendingFor(user));
  }

  /** Open, not the user's own request, and not yet decided by the user. */
  private static Predicate<ApprovalView> pendingFor(String user) {
    return v -> (v.status().equals("pending") || v.status().equals("escalated"))
        && !user.equals(v.requesterId())
        && v.decisions().stream().noneMatch(d -> d.approverId().equals(user));
  }

  private static Predicate<ApprovalView> statusFilter(QueryParams q) {
    Optional<String> status = q.get("status");
    if (status.isEmpty()) return v -> true;
    ApprovalStatus wanted = ApprovalStatus.parse(status.get()).orElseThrow(() -> QueryParams.invalid("status",
        "must be pending, approved, rejected, escalated, expired or cancelled"));
    if (wanted == ApprovalStatus.CANCELLED) return v -> Boolean.TRUE.equals(v.cancelled());
    return v -> v.status().equals(wanted.wire()) && !Boolean.TRUE.equals(v.cancelled());
  }

  private CompletionStage<Reply> page(Exchange ex, QueryParams q, Predicate<ApprovalView> filter) {
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", bus.settings().defaultPageSize()), bus.settings().maxPageSize());
    Comparator<ApprovalView> order = order(q);
    return everything(ex.caller().tenantId()).thenApply(all -> {
      List<ApprovalView> matching = all.stream().map(Target::view).filter(filter).sorted(order).toList();
      int from = (int) Math.min((long) (page - 1) * pageSize, matching.size());
      int to = Math.min(from + pageSize, matching.size());
      return Reply.ok(PageView.of(matching.subList(from, to), matching.size(), page, pageSize));
    });
  }

  private static Comparator<ApprovalView> order(QueryParams q) {
    String by = q.get("sortBy").orElse("createdAt");
    Comparator<ApprovalView> c = switch (by) {
      case "riskScore" -> Comparator.comparingDouble(ApprovalView::riskScore);
      case "status" -> Comparator.comparing(ApprovalView::status);
      case "requestType" -> Comparator.comparing(ApprovalView::requestType);
      default -> Comparator.comparing(ApprovalView::createdAt);
    };
    c = c.thenComparing(ApprovalView::id);
    // newest (or highest) first unless asked otherwise
    return q.get("sortOrder").map(o -> o.equalsIgnoreCase("asc")).orElse(false) ? c : c.reversed();
  }

  // ---- config and metrics ----

  private CompletionStage<Reply> config(Exchange ex) {
    Map<String, Object> escalation = new LinkedHashMap<>();
    List<Map<String, Object>> levels = new ArrayList<>();
    for (int level = 1; level <= settings.maxEscalationLevel(); level++) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("level", level);
      l.put("timeoutMinutes", settings.escalationStep().toMinutes());
      l.put("autoEscalate", settings.autoEscalate() && level < settings.maxEscalationLevel());
      levels.add(l);
    }
    escalation.put("stepMinutes", settings.escalationStep().toMinutes());
    escalation.put("maxLevel", settings.maxEscalationLevel());
    escalation.put("autoEscalate", settings.autoEscalate());
    escalation.put("levels", levels);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("defaultRequiredApprovers", settings.requiredApprovers());
    config.put("maxRequiredApprovers", settings.maxRequiredApprovers());
    config.put("heldMessageRequiredApprovers", settings.heldRequiredApprovers());
    config.put("timeoutMinutes", settings.timeout().toMinutes());
    config.put("heldMessageTimeoutSeconds", bus.deliberationSettings().timeout().toSeconds());
    config.put("selfApprovalAllowed", false);
    config.put("rejectionRejects", true);
    config.put("escalation", escalation);
    List<Map<String, Object>> policies = new ArrayList<>();
    for (ApprovalPolicy p : approvals.policies().all()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", p.name());
      m.put("requiredRoles", p.requiredRoles());
      m.put("minApprovers", p.minApprovers());
      m.put("requireAllRoles", p.requireAllRoles());
      m.put("timeoutMinutes", p.timeout().toMinutes());
      m.put("escalationStepMinutes", p.escalationStep().toMinutes());
      m.put("autoApproveBelowRiskScore", p.autoApproveBelow() * 100);
      policies.add(m);
    }
    config.put("policies", policies);
    List<Map<String, Object>> byRisk = new ArrayList<>();
    for (ApprovalPolicies.RiskRule r : approvals.policies().riskRules()) {
      byRisk.add(Map.of("fromRiskScore", r.at() * 100, "policy", r.policy()));
    }
    config.put("policyByRisk", byRisk);
    config.put("constitutionalHash", Responses.CONSTITUTIONAL_HASH);
    return CompletableFuture.completedFuture(Reply.ok(config));
  }

  private CompletionStage<Reply> metrics(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    Instant start = q.get("startDate").map(t -> date(t, "startDate", false)).orElse(Instant.MIN);
    Instant end = q.get("endDate").map(t -> date(t, "endDate", true)).orElse(Instant.MAX);
    return everything(ex.caller().tenantId()).thenApply(all -> {
      Map<String, Integer> counts = new LinkedHashMap<>();
      for (String s : List.of("pending", "approved", "rejected", "escalated", "expired", "cancelled")) counts.put(s, 0);
      long decisionTimeTotal = 0;
      int decided = 0;
      int total = 0;
      for (Target t : all) {
        ApprovalView v = t.view();
        if (v.createdAt().isBefore(start) || !v.createdAt().isBefore(end)) continue;
        total++;
        String key = Boolean.TRUE.equals(v.cancelled()) ? "cancelled" : v.status();
        counts.merge(key, 1, Integer::sum);
        Instant finalAt = t.human() != null ? t.human().finalizedAt()
            : t.summary() != null ? t.summary().decidedAt() : null;
        if (finalAt != null && !Boolean.TRUE.equals(v.cancelled())) {
          decisionTimeTotal += Math.max(0, finalAt.toEpochMilli() - v.createdAt().toEpochMilli());
          decided++;
        }
      }
      int approved = counts.get("approved");
      int denied = counts.get("rejected") + counts.get("expired");
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("totalRequests", total);
      m.putAll(counts);
      m.put("totalDecisions", decided);
      m.put("approvedCount", approved);
      m.put("deniedCount", denied);
      m.put("escalatedCount", counts.get("escalated"));
      m.put("averageDecisionTimeMs", decided == 0 ? 0 : decisionTimeTotal / decided);
      m.put("approvalRate", decided == 0 ? 0.0 : (double) approved / decided);
      m.put("complianceRate", decided == 0 ? 1.0 : (double) approved / decided);
      m.put("byPolicy", Map.of());
      // this node's policy step: decision cache hits, misses and evictions, the OPA breaker
      m.put("policy", PolicyView.Stats.of(bus));
      m.put("constitutionalHash", Responses.CONSTITUTIONAL_HASH);
      return Reply.ok(m);
    });
  }

  /** A date-time, or a plain date (the examples send {@code YYYY-MM-DD}); an end date covers its whole day. */
  private static Instant date(String text, String name, boolean end) {
    Instant t = Timestamps.parse(text).orElseThrow(() -> QueryParams.invalid(name, "must be a date or date-time"));
    return end && !text.contains("T") ? t.plus(1, ChronoUnit.DAYS) : t;
  }

  // ---- governance decisions ----

  private CompletionStage<Reply> decisions(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", bus.settings().defaultPageSize()), bus.settings().maxPageSize());
    Optional<String> kind = q.get("decision");
    if (kind.isPresent() && !Set.of("approve", "deny", "escalate").contains(kind.get())) {
      throw QueryParams.invalid("decision", "must be approve, deny or escalate");
    }
    Optional<String> requestId = q.get("requestId");
    Optional<String> reviewer = q.get("reviewerId");
    boolean asc = q.get("sortOrder").map(o -> o.equalsIgnoreCase("asc")).orElse(false);
    return decisionRecords(ex.caller().tenantId()).thenApply(all -> {
      Comparator<ApprovalView.DecisionRecordView> c =
          Comparator.comparing(ApprovalView.DecisionRecordView::timestamp).thenComparing(ApprovalView.DecisionRecordView::id);
      List<ApprovalView.DecisionRecordView> matching = all.stream()
          .filter(d -> kind.map(k -> k.equals(d.decision())).orElse(true))
          .filter(d -> requestId.map(r -> r.equalsIgnoreCase(d.requestId())).orElse(true))
          .filter(d -> reviewer.map(r -> d.reviewerIds().contains(r)).orElse(true))
          .sorted(asc ? c : c.reversed())
          .toList();
      int from = (int) Math.min((long) (page - 1) * pageSize, matching.size());
      int to = Math.min(from + pageSize, matching.size());
      return Reply.ok(PageView.of(matching.subList(from, to), matching.size(), page, pageSize));
    });
  }

  private CompletionStage<Reply> decision(Exchange ex, String id) {
    parseId(id);
    return decisionRecords(ex.caller().tenantId()).thenApply(all -> all.stream()
        .filter(d -> d.id().equalsIgnoreCase(id))
        .findFirst()
        .map(Reply::ok)
        .orElseThrow(() -> ApiError.notFound("decision_not_found", "No governance decision " + id)));
  }

  /**
   * One per final outcome: of the tenant's listed requests, and of its held messages however they were decided
   * (agent votes, human approvers, the guard, the deadline).
   */
  private CompletionStage<List<ApprovalView.DecisionRecordView>> decisionRecords(String tenantId) {
    return everything(tenantId).thenApply(targets -> targets.stream()
        .map(t -> t.summary() != null
            ? ApprovalView.DecisionRecordView.held(t.summary(), t.human())
            : ApprovalView.DecisionRecordView.of(t.human()))
        .filter(java.util.Objects::nonNull)
        .toList());
  }

  // ---- resolution ----

  /**
   * What an id names, for this caller: a request created through the API ({@code summary} null), or a held
   * message ({@code summary} its deliberation, {@code human} its approval entity if one was opened).
   */
  private record Target(ApprovalView view, ApprovalRequest.View human, Deliberation.Summary summary) {}

  private CompletionStage<Target> resolve(Caller caller, UUID id) {
    return mapped(approvals.find(id)).thenCompose(found -> {
      if (found.isPresent() && found.get().spec().kind() == ApprovalRequest.Kind.DIRECT) {
        ApprovalRequest.View v = found.get();
        if (!AgentMessage.sameTenant(caller.tenantId(), v.spec().tenantId())) throw notFound(id);
        return CompletableFuture.completedFuture(new Target(ApprovalView.of(v), v, null));
      }
      ApprovalRequest.View human = found.orElse(null);
      return mapped(bus.deliberation(id)).thenApply(s -> {
        if (!AgentMessage.sameTenant(caller.tenantId(), s.tenantId())) throw notFound(id);
        return held(s, human);
      });
    });
  }

  private Target held(Deliberation.Summary s, ApprovalRequest.View human) {
    int required = human == null ? settings.heldRequiredApprovers() : human.spec().requiredApprovers();
    return new Target(ApprovalView.held(s, human, required), human, s);
  }

  /**
   * The tenant's requests (held ones merged with their deliberation), its pending held messages and its
   * recently decided ones.
   */
  private CompletionStage<List<Target>> everything(String tenantId) {
    CompletionStage<List<ApprovalRequest.View>> listed = mapped(approvals.list(tenantId));
    CompletionStage<DeliberationQueue.Pending> pending = mapped(bus.deliberations(tenantId));
    return listed.thenCombine(pending, (views, queue) -> {
      List<CompletableFuture<Target>> all = new ArrayList<>();
      Set<UUID> seen = new HashSet<>();
      for (ApprovalRequest.View v : views) {
        seen.add(v.spec().id());
        if (v.spec().kind() == ApprovalRequest.Kind.DIRECT) {
          all.add(CompletableFuture.completedFuture(new Target(ApprovalView.of(v), v, null)));
        } else {
          all.add(heldTarget(v.spec().id(), v));
        }
      }
      for (DeliberationQueue.Ticket t : queue.tickets()) {
        if (seen.add(t.messageId())) all.add(heldTarget(t.messageId(), null));
      }
      for (UUID decided : queue.decided()) {
        if (seen.add(decided)) all.add(heldTarget(decided, null));
      }
      return all;
    }).thenCompose(all -> CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> all.stream().map(CompletableFuture::join).filter(java.util.Objects::nonNull).toList()));
  }

  /** A held message's target; null when its deliberation cannot be read (it is left out of lists). */
  private CompletableFuture<Target> heldTarget(UUID id, ApprovalRequest.View human) {
    return bus.deliberation(id).thenApply(s -> held(s, human)).toCompletableFuture()
        .exceptionally(e -> human == null ? null : new Target(ApprovalView.of(human), human, null));
  }

  // ---- helpers ----

  /** The acting principal comes from the credential only (contract 1.2); without a key there is none. */
  private static String principal(Caller caller) {
    if (caller.principal() == null || caller.principal().isBlank()) {
      throw ApiError.unauthorized("authentication_required",
          "Approvals need an API key: the requester and the approver are the key's principal");
    }
    return caller.principal();
  }

  private static UUID parseId(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_approval_id", "An approval request is named by a UUID");
    }
  }

  private static ApiError notFound(UUID id) {
    return ApiError.notFound(ApprovalCodes.NOT_FOUND, "No approval request " + id);
  }

  /** Approval and deliberation refusals as statuses; anything else goes to the usual mapping. */
  private static <T> CompletionStage<T> mapped(CompletionStage<T> stage) {
    return stage.exceptionallyCompose(e -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (!(cause instanceof BusException bus)) return CompletableFuture.failedFuture(cause);
      ApiError api = switch (bus.code()) {
        case ApprovalCodes.NOT_FOUND -> ApiError.notFound(bus.code(), bus.getMessage());
        case DeliberationCodes.NOT_FOUND -> ApiError.notFound(ApprovalCodes.NOT_FOUND, bus.getMessage());
        case ApprovalCodes.CLOSED, ApprovalCodes.ALREADY_DECIDED, ApprovalCodes.NOT_CANCELLABLE,
            ApprovalCodes.MAX_ESCALATION -> ApiError.conflict(bus.code(), bus.getMessage());
        case DeliberationCodes.CLOSED -> ApiError.conflict(ApprovalCodes.CLOSED, bus.getMessage());
        case ApprovalCodes.SELF_APPROVAL, ApprovalCodes.NOT_REQUESTER, ApprovalCodes.ROLE_REQUIRED ->
            ApiError.forbidden(bus.code(), bus.getMessage());
        case ApprovalCodes.INVALID_REQUEST, ApprovalCodes.INVALID_APPROVER ->
            ApiError.of(422, bus.code(), bus.getMessage(), null);
        default -> null;
      };
      return CompletableFuture.failedFuture(api != null ? api : bus);
    });
  }
}
