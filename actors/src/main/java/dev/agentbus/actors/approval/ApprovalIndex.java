package dev.agentbus.actors.approval;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.model.Tenants;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The approval requests of one tenant, in creation order (sharded, entity id from {@link #entityIdFor}):
 * what the list endpoints walk. A request is listed before it is created, so a crash in between leaves at
 * most an id that answers "not found" (skipped by lists), never a request no list shows. Bounded: beyond
 * {@code maxEntries} the oldest ids drop out of lists (the requests themselves stay, gettable by id).
 *
 * <p>Why an entity and not the read journal: lists must see a request as soon as its creation is answered
 * (a read-side projection lags), and a tenant's ids are a few kilobytes.
 */
public final class ApprovalIndex
    extends EventSourcedBehaviorWithEnforcedReplies<ApprovalIndex.Command, ApprovalIndex.Event, ApprovalIndex.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "ApprovalIndex");

  public static String entityIdFor(String tenantId) {
    String t = Tenants.normalize(tenantId);
    return t == null ? "none" : "t:" + t;
  }

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** Lists the id (idempotent). */
  public record Add(UUID requestId, ActorRef<Done> replyTo) implements Command {}

  public record GetIds(ActorRef<Ids> replyTo) implements Command {}

  /** @param ids oldest first */
  public record Ids(List<UUID> ids) implements CborSerializable {
    public Ids {
      ids = List.copyOf(ids);
    }
  }

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record Listed(UUID requestId) implements Event {}

  // ---- state ----

  public record State(List<UUID> ids) implements CborSerializable {
    public State {
      ids = List.copyOf(ids);
    }
  }

  public static Behavior<Command> create(
      String entityId, int maxEntries, int snapshotEvery, BackoffSupervisorStrategy restart) {
    return new ApprovalIndex(entityId, maxEntries, snapshotEvery, restart);
  }

  private final int maxEntries;
  private final int snapshotEvery;

  private ApprovalIndex(String entityId, int maxEntries, int snapshotEvery, BackoffSupervisorStrategy restart) {
    super(PersistenceId.of(ENTITY_KEY.name(), entityId), restart);
    this.maxEntries = maxEntries;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // snapshots only: events are never deleted (the record of what was listed)
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Add.class, this::onAdd)
        .onCommand(GetIds.class, (s, c) -> Effect().reply(c.replyTo(), new Ids(s.ids())))
        .build();
  }

  private ReplyEffect<Event, State> onAdd(State state, Add cmd) {
    if (state.ids().contains(cmd.requestId())) return Effect().reply(cmd.replyTo(), Done.getInstance());
    return Effect().persist(new Listed(cmd.requestId())).thenReply(cmd.replyTo(), s -> Done.getInstance());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Listed.class, (s, e) -> {
          List<UUID> ids = new ArrayList<>(s.ids());
          ids.add(e.requestId());
          while (ids.size() > maxEntries) ids.remove(0);
          return new State(ids);
        })
        .build();
  }
}
