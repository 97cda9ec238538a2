package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.patch;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /api/v1/agents} (SDK contract 4.1): registration, the directory, metadata, heartbeats, and
 * messages. The message path means the sender's outbox on POST and the agent's inbox on GET.
 */
final class AgentRoutes {

  /** The answer to an unregistration (Python parses it; TS ignores it). */
  record Unregistered(String id, String status, String constitutionalHash) {}

  private final AgentBus bus;
  private final AgentAccess access;
  private final Bodies bodies;
  private final Endpoint endpoint;
  private final Clock clock;

  AgentRoutes(AgentBus bus, AgentAccess access, Bodies bodies, Endpoint endpoint, Clock clock) {
    this.bus = bus;
    this.access = access;
    this.bodies = bodies;
    this.endpoint = endpoint;
    this.clock = clock;
  }

  Route route() {
    return pathPrefix("agents", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> endpoint.respond(this::list))),
        path("register", () -> post(() -> endpoint.respond(this::register))),
        pathPrefix(segment(), agentId -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> endpoint.respond(ex -> agent(ex, agentId))),
                delete(() -> endpoint.respond(ex -> unregister(ex, agentId))),
                patch(() -> endpoint.respond(ex -> updateMetadata(ex, agentId))))),
            path("heartbeat", () -> post(() -> endpoint.respond(ex -> heartbeat(ex, agentId)))),
            pathPrefix("messages", () -> concat(
                pathEndOrSingleSlash(() -> concat(
                    post(() -> endpoint.respond(ex -> send(ex, agentId))),
                    get(() -> endpoint.respond(ex -> inbox(ex, agentId))))),
                path(segment().slash("ack"), messageId ->
                    post(() -> endpoint.respond(ex -> ack(ex, agentId, messageId))))))))));
  }

  // ---- agents ----

  private CompletionStage<Reply> register(Exchange ex) {
    return bodies.object(ex.request())
        .thenCompose(body -> bus.register(RegisterRequest.parse(body, ex.caller())))
        .thenApply(profile -> Reply.created(AgentInfo.of(profile)));
  }

  private CompletionStage<Reply> agent(Exchange ex, String agentId) {
    return access.fresh(ex.caller(), agentId).thenApply(p -> Reply.ok(AgentInfo.of(p)));
  }

  private CompletionStage<Reply> unregister(Exchange ex, String agentId) {
    return access.authorize(ex.caller(), agentId)
        .thenCompose(p -> bus.unregister(agentId))
        .thenApply(done -> Reply.ok(new Unregistered(agentId, "unregistered", Responses.CONSTITUTIONAL_HASH)));
  }

  private CompletionStage<Reply> updateMetadata(Exchange ex, String agentId) {
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      if (!f.has("metadata")) f.fail("metadata", "is required");
      Map<String, String> metadata = f.stringMap("metadata", 64, 1024);
      Hashes.checkBodyHash(f);
      f.check();
      return access.authorize(ex.caller(), agentId).thenCompose(profile -> {
        checkRoleUnchanged(metadata, profile);
        return bus.updateMetadata(agentId, metadata);
      });
    }).thenApply(p -> Reply.ok(AgentInfo.of(p)));
  }

  /** The MACI role is fixed at registration; metadata must not claim another one. */
  private static void checkRoleUnchanged(Map<String, String> metadata, AgentProfile profile) {
    String claimed = metadata.get(RegisterRequest.MACI_ROLE_KEY);
    if (claimed == null) return;
    Optional<MaciRole> role = MaciRole.parse(claimed);
    if (role.isEmpty() || role.get() != profile.maciRole()) {
      throw ApiError.invalidField("metadata." + RegisterRequest.MACI_ROLE_KEY,
          "the MACI role is fixed at registration" + (profile.maciRole() == null ? "" : " (" + profile.maciRole().wire()
              + ")"));
    }
  }

  private CompletionStage<Reply> heartbeat(Exchange ex, String agentId) {
    return bodies.optionalObject(ex.request()).thenCompose(body -> {
      body.ifPresent(b -> {
        Fields f = new Fields(b);
        Hashes.checkBodyHash(f);
        f.check();
      });
      return access.authorize(ex.caller(), agentId);
    }).thenCompose(p -> bus.heartbeat(agentId)).thenApply(p -> Reply.ok(AgentInfo.of(p)));
  }

  private CompletionStage<Reply> list(Exchange ex) {
    QueryParams q = QueryParams.of(ex.request());
    int page = q.positiveInt("page", 1);
    int pageSize = Math.min(q.positiveInt("pageSize", bus.settings().defaultPageSize()), bus.settings().maxPageSize());
    Optional<String> type = q.get("type");
    Optional<AgentStatus> status = q.get("status").map(s -> parseStatus(s));
    Comparator<AgentProfile> order = order(q.get("sortBy").orElse("registeredAt"));
    if (q.get("sortOrder").map(s -> s.equalsIgnoreCase("desc")).orElse(false)) order = order.reversed();

    List<AgentProfile> matching = bus.directory().all().stream()
        .filter(p -> AgentMessage.sameTenant(p.tenantId(), ex.caller().tenantId()))
        .filter(p -> type.isEmpty() || type.get().equals(p.type()))
        .filter(p -> status.isEmpty() || status.get() == p.status())
        .sorted(order)
        .toList();
    long from = (long) (page - 1) * pageSize;
    List<AgentInfo> slice = matching.stream().skip(from).limit(pageSize).map(AgentInfo::of).toList();
    return CompletableFuture.completedFuture(Reply.ok(PageView.of(slice, matching.size(), page, pageSize)));
  }

  private static AgentStatus parseStatus(String text) {
    try {
      return AgentStatus.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw QueryParams.invalid("status", "must be one of active, inactive, suspended");
    }
  }

  /** Unknown sort keys fall back to registration order: sort keys are a hint, not a contract. */
  private static Comparator<AgentProfile> order(String sortBy) {
    Function<AgentProfile, ? extends Comparable<?>> key = switch (sortBy) {
      case "name" -> AgentProfile::name;
      case "type" -> AgentProfile::type;
      case "status" -> p -> p.status().wire();
      case "lastSeen" -> AgentProfile::lastSeen;
      case "id" -> AgentProfile::id;
      default -> AgentProfile::registeredAt;
    };
    return Comparator.<AgentProfile, Comparable<Object>>comparing(p -> comparable(key.apply(p)),
            Comparator.nullsLast(Comparator.naturalOrder()))
        .thenComparing(AgentProfile::id, Comparator.nullsLast(Comparator.naturalOrder()));
  }

  @SuppressWarnings("unchecked")
  private static Comparable<Object> comparable(Comparable<?> value) {
    // every key above is a String or an Instant, each compared only with its own kind
    return (Comparable<Object>) value;
  }

  // ---- messages ----

  private CompletionStage<Reply> send(Exchange ex, String agentId) {
    AgentAccess.checkAgentId(agentId);
    Instant now = clock.instant();
    return bodies.object(ex.request()).thenCompose(body -> {
      AgentMessage message = SendRequest.parse(body, agentId, ex.caller(), UUID.randomUUID(), now);
      return senderExists(agentId).thenCompose(v -> bus.send(message));
    }).thenApply(this::sent);
  }

  /** An unknown sender is a 404, not the MACI refusal the pipeline would give for a roleless agent. */
  private CompletionStage<Void> senderExists(String agentId) {
    if (bus.directory().find(agentId).isPresent()) return CompletableFuture.completedFuture(null);
    return bus.profile(agentId).thenApply(p -> null);
  }

  private Reply sent(SendResult r) {
    if (!r.durable()) throw ErrorMapping.denial(r.reasons());
    if (r.status() != MessageStatus.ACCEPTED && r.status() != MessageStatus.PENDING_DELIBERATION) {
      throw ErrorMapping.denial(r.reasons());
    }
    Map<String, String> governance = new HashMap<>();
    governance.put("governance.status", r.status().wire());
    // Six decimals: the score is a heuristic, and 0.09000000000000002 helps nobody.
    governance.put("governance.impactScore",
        java.math.BigDecimal.valueOf(r.impactScore()).setScale(6, java.math.RoundingMode.HALF_UP)
            .stripTrailingZeros().toPlainString());
    if (!r.reasons().isEmpty()) governance.put("governance.reasons", r.reasonCodes());
    if (r.bundleDigest() != null) governance.put("governance.bundleDigest", r.bundleDigest());
    MessageView view = MessageView.of(r.message(), governance, null, clock.instant());
    // a replay of an idempotency key creates nothing new
    return new Reply(r.duplicate() ? 200 : 201, view);
  }

  private CompletionStage<Reply> inbox(Exchange ex, String agentId) {
    QueryParams q = QueryParams.of(ex.request());
    MessageType type = q.get("type").map(t -> MessageType.parse(t).orElseThrow(() ->
        QueryParams.invalid("type", "must be one of " + SendRequest.MESSAGE_TYPES))).orElse(null);
    Instant since = q.get("since").map(s -> Timestamps.parse(s).orElseThrow(() ->
        QueryParams.invalid("since", "must be an ISO-8601 date-time"))).orElse(null);
    boolean unreadOnly = q.bool("unreadOnly");
    int page = q.positiveInt("page", 1);
    int pageSize = q.positiveInt("pageSize", bus.settings().defaultPageSize());
    InboxQuery query = new InboxQuery(type, since, unreadOnly, page, pageSize);
    return access.authorize(ex.caller(), agentId)
        .thenCompose(p -> bus.readInbox(agentId, query))
        .thenApply(result -> Reply.ok(PageView.of(
            result.items().stream().map(MessageView::of).toList(), result.total(), result.page(),
            result.pageSize())));
  }

  private CompletionStage<Reply> ack(Exchange ex, String agentId, String messageId) {
    // the SDK posts no body (with a JSON content type); none is read
    if (!Responses.isUuid(messageId)) {
      throw ApiError.badRequest("invalid_message_id", "Message id must be a UUID");
    }
    UUID id = UUID.fromString(messageId);
    return access.authorize(ex.caller(), agentId)
        .thenCompose(p -> bus.ack(agentId, id))
        .thenApply(item -> Reply.ok(MessageView.of(item)));
  }
}
