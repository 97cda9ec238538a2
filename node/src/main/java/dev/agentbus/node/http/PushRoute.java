package dev.agentbus.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.handleWebSocketMessages;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;

import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.model.AgentProfile;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code GET /ws?agentId=..&hash=..} (contract 4.2): pushes the agent's deliveries as text frames, each
 * a bare AgentMessage. On connect the bus first replays every unacknowledged message, so a client that
 * reconnects resumes where its acknowledgements stopped (at-least-once: a frame sent but not acked comes
 * again). No tenant travels on a browser WebSocket, so the agent id is the only credential (the weakness
 * the contract names); a tenant header, when a client sends one, is checked.
 */
final class PushRoute {
  private final AgentBus bus;
  private final AgentAccess access;
  private final Tenancy tenancy;
  private final Materializer materializer;
  private final CoordinatedShutdown shutdown;
  private final int bufferSize;

  PushRoute(AgentBus bus, AgentAccess access, Tenancy tenancy, ClassicActorSystemProvider system) {
    this.bus = bus;
    this.access = access;
    this.tenancy = tenancy;
    this.materializer = Materializer.matFromSystem(system);
    this.shutdown = CoordinatedShutdown.get(system);
    // room for a full replay of a retained inbox plus live traffic; beyond that the socket fails and the
    // client's reconnect replays from the ack cursor instead of silently losing frames
    this.bufferSize = bus.settings().inboxMaxRetained() + 1024;
  }

  Route route() {
    return extractRequest(request -> {
      String requestId = Responses.requestId(request);
      CompletionStage<AgentProfile> authorized;
      String agentId;
      try {
        QueryParams q = QueryParams.of(request);
        agentId = q.get("agentId").orElseThrow(() -> QueryParams.invalid("agentId", "is required"));
        Hashes.checkGiven(q.get("hash"), "hash");
        Hashes.checkGiven(request.getHeader(Responses.HASH_HEADER).map(h -> h.value()), Responses.HASH_HEADER);
        // a browser WebSocket cannot send headers: without one the agent id is the only credential
        authorized = request.getHeader(Tenancy.TENANT_HEADER).isPresent()
            ? access.authorize(tenancy.identify(request), agentId)
            : access.exists(agentId);
      } catch (RuntimeException e) {
        return complete(Responses.error(ErrorMapping.toApiError(e), requestId));
      }
      String subscriber = agentId;
      return onComplete(authorized, result -> result.isSuccess()
          ? handleWebSocketMessages(frames(subscriber))
          : complete(Responses.error(ErrorMapping.toApiError(result.failed().get()), requestId)));
    });
  }

  /** Ignores whatever the client sends (the SDK sends nothing) and streams the agent's deliveries. */
  private Flow<Message, Message, NotUsed> frames(String agentId) {
    Source<Message, NotUsed> deliveries = Source.<InboxItem>actorRef(
            m -> Optional.empty(), m -> Optional.empty(), bufferSize, OverflowStrategy.fail())
        .mapMaterializedValue(classic -> {
          ActorRef<InboxItem> ref = Adapter.toTyped(classic);
          bus.subscribe(agentId, ref);
          return ref;
        })
        .watchTermination((ref, done) -> {
          // while the node shuts down the entity's death watch cleans up; a tell would only stall sharding
          done.whenComplete((d, e) -> {
            if (shutdown.getShutdownReason().isEmpty()) bus.unsubscribe(agentId, ref);
          });
          return NotUsed.getInstance();
        })
        .map(item -> (Message) TextMessage.create(Json.text(MessageView.frame(item))));
    Sink<Message, CompletionStage<org.apache.pekko.Done>> drain = Sink.foreach(this::discard);
    return Flow.fromSinkAndSourceCoupled(drain, deliveries);
  }

  /** Streamed frames must be consumed or the connection stalls. */
  private void discard(Message m) {
    if (m.isText()) m.asTextMessage().getStreamedText().runWith(Sink.ignore(), materializer);
    else m.asBinaryMessage().getStreamedData().runWith(Sink.ignore(), materializer);
  }
}
