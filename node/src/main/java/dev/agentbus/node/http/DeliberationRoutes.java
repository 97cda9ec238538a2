package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.deliberation.DeliberationCodes;
import dev.agentbus.actors.deliberation.VoteChoice;
import dev.agentbus.actors.model.AgentMessage;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Extension endpoints for agent votes on held messages (not part of the SDK contract), relative to
 * {@code /api/v1}:
 *
 * <ul>
 *   <li>{@code GET deliberations}: the caller's tenant's pending deliberations, most urgent then oldest first;
 *   <li>{@code GET deliberations/{messageId}}: one deliberation with its votes;
 *   <li>{@code POST deliberations/{messageId}/votes} with {@code {"agentId", "vote": approve|reject|abstain,
 *       "reason"}}: a vote of an agent of the caller's tenant (a second vote replaces the first).
 * </ul>
 *
 * A deliberation of another tenant is answered 404, like one that does not exist.
 */
final class DeliberationRoutes {
  private static final int MAX_REASON_LENGTH = 2000;

  private final AgentBus bus;
  private final AgentAccess access;
  private final Bodies bodies;
  private final Endpoint endpoint;

  DeliberationRoutes(AgentBus bus, AgentAccess access, Bodies bodies, Endpoint endpoint) {
    this.bus = bus;
    this.access = access;
    this.bodies = bodies;
    this.endpoint = endpoint;
  }

  Route route() {
    return pathPrefix("deliberations", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> endpoint.respond(this::list))),
        pathPrefix(segment(), messageId -> concat(
            pathEndOrSingleSlash(() -> get(() -> endpoint.respond(ex -> one(ex, messageId)))),
            path("votes", () -> post(() -> endpoint.respond(ex -> vote(ex, messageId))))))));
  }

  private CompletionStage<Reply> list(Exchange ex) {
    return bus.deliberations(ex.caller().tenantId())
        .thenApply(p -> Reply.ok(DeliberationView.PendingList.of(p)));
  }

  private CompletionStage<Reply> one(Exchange ex, String messageId) {
    return visible(ex.caller(), parseId(messageId)).thenApply(s -> Reply.ok(DeliberationView.of(s)));
  }

  private CompletionStage<Reply> vote(Exchange ex, String messageId) {
    UUID id = parseId(messageId);
    return bodies.object(ex.request()).thenCompose(body -> {
      Fields f = new Fields(body);
      String agentId = f.requiredString("agentId", RegisterRequest.MAX_ID_LENGTH);
      String vote = f.requiredString("vote", 16);
      String reason = f.optionalString("reason", MAX_REASON_LENGTH);
      VoteChoice choice = vote == null ? null : VoteChoice.parse(vote).orElse(null);
      if (vote != null && choice == null) f.fail("vote", "must be approve, reject or abstain");
      Hashes.checkBodyHash(f);
      f.check();
      return access.authorize(ex.caller(), agentId)
          .thenCompose(agent -> visible(ex.caller(), id))
          .thenCompose(s -> mapped(bus.vote(id, agentId, choice, reason)));
    }).thenApply(s -> Reply.ok(DeliberationView.of(s)));
  }

  /** The deliberation, if it belongs to the caller's tenant. */
  private CompletionStage<Deliberation.Summary> visible(Caller caller, UUID id) {
    return mapped(bus.deliberation(id)).thenApply(s -> {
      if (!AgentMessage.sameTenant(caller.tenantId(), s.tenantId())) throw notFound(id);
      return s;
    });
  }

  private static UUID parseId(String messageId) {
    try {
      return UUID.fromString(messageId);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_message_id", "A deliberation is named by its message id (a UUID)");
    }
  }

  private static ApiError notFound(UUID id) {
    return ApiError.notFound(DeliberationCodes.NOT_FOUND, "No deliberation for message " + id);
  }

  /** The deliberation refusals as statuses; anything else goes to the usual mapping. */
  private static <T> CompletionStage<T> mapped(CompletionStage<T> stage) {
    return stage.exceptionallyCompose(e -> {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      if (!(cause instanceof BusException bus)) return CompletableFuture.failedFuture(cause);
      ApiError api = switch (bus.code()) {
        case DeliberationCodes.NOT_FOUND -> ApiError.notFound(bus.code(), bus.getMessage());
        case DeliberationCodes.CLOSED -> ApiError.conflict(bus.code(), bus.getMessage());
        case DeliberationCodes.NOT_A_VOTER, DeliberationCodes.SELF_VOTE ->
            ApiError.forbidden(bus.code(), bus.getMessage());
        default -> null;
      };
      return CompletableFuture.failedFuture(api != null ? api : bus);
    });
  }
}
