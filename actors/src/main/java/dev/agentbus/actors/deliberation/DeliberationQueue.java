package dev.agentbus.actors.deliberation;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.model.Tenants;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The pending deliberations of one tenant (sharded, entity id from {@link #entityIdFor}), ordered by
 * priority (most urgent first), then age (oldest first). Capacity is bounded: when the queue is full a
 * new held message is refused (the gateway rejects it with {@code deliberation_queue_full}); nothing
 * already queued is ever dropped to make room. A deliberation leaves the queue when it is decided. An
 * entry whose deliberation never opened (a crash between admission and opening) is dropped once it is
 * {@code staleAfter} past its deadline. The ids of the last {@code decidedHistory} decided deliberations are
 * kept too (newest last): what lists governance decisions decided by votes or the deadline alone.
 */
public final class DeliberationQueue
    extends EventSourcedBehaviorWithEnforcedReplies<DeliberationQueue.Command, DeliberationQueue.Event,
        DeliberationQueue.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "DeliberationQueue");

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  /** One held message waiting for its deliberation. */
  public record Ticket(
      UUID messageId, Priority priority, Instant heldAt, Instant deadline, String senderId, double impactScore)
      implements CborSerializable {
    public Ticket {
      priority = priority == null ? Priority.NORMAL : priority;
    }
  }

  /** Takes a place in the queue for this held message, unless the queue is full. */
  public record Admit(Ticket ticket, ActorRef<Admission> replyTo) implements Command {}

  /** The {@link Release} reason of a decided deliberation: it is also kept in the decided history. */
  public static final String DECIDED = "decided";

  /** The deliberation was decided (or will never open): its place is free. Idempotent, no reply. */
  public record Release(UUID messageId, String why) implements Command {}

  public record GetPending(ActorRef<Pending> replyTo) implements Command {}

  public enum Result {
    ADMITTED,
    ALREADY_QUEUED,
    FULL
  }

  /** @param position 1-based place in the queue; 0 when full */
  public record Admission(Result result, int position, int size, int capacity) implements CborSerializable {}

  /**
   * @param tickets in queue order
   * @param decided the most recently decided deliberations, newest last
   */
  public record Pending(List<Ticket> tickets, int capacity, List<UUID> decided) implements CborSerializable {
    public Pending {
      tickets = List.copyOf(tickets);
      decided = decided == null ? List.of() : List.copyOf(decided);
    }
  }

  // ---- events ----

  public sealed interface Event extends CborSerializable {}

  public record TicketAdmitted(Ticket ticket) implements Event {}

  public record TicketReleased(UUID messageId, String why, Instant at) implements Event {}

  // ---- state ----

  /**
   * @param tickets in queue order
   * @param decided ids of decided deliberations, newest last, at most {@code decidedHistory}
   */
  public record State(List<Ticket> tickets, List<UUID> decided) implements CborSerializable {
    public State {
      tickets = List.copyOf(tickets);
      decided = decided == null ? List.of() : List.copyOf(decided);
    }

    int positionOf(UUID messageId) {
      for (int i = 0; i < tickets.size(); i++) {
        if (tickets.get(i).messageId().equals(messageId)) return i + 1;
      }
      return 0;
    }

    State with(Ticket t) {
      List<Ticket> next = new ArrayList<>(tickets);
      next.add(t);
      next.sort(ORDER);
      return new State(next, decided);
    }

    State without(UUID messageId) {
      return new State(tickets.stream().filter(t -> !t.messageId().equals(messageId)).toList(), decided);
    }

    State decided(UUID messageId, int history) {
      if (decided.contains(messageId)) return this;
      List<UUID> next = new ArrayList<>(decided);
      next.add(messageId);
      while (next.size() > history) next.remove(0);
      return new State(tickets, next);
    }
  }

  /** Priority first (CRITICAL before LOW), then age, then id (a total order). */
  public static final Comparator<Ticket> ORDER = Comparator
      .comparing((Ticket t) -> t.priority().ordinal(), Comparator.reverseOrder())
      .thenComparing(Ticket::heldAt)
      .thenComparing(Ticket::messageId);

  /** @param decidedHistory how many decided deliberations the queue remembers (for listing their decisions) */
  public record Settings(int capacity, Duration staleAfter, int decidedHistory) {
    public Settings {
      if (decidedHistory < 1) throw new IllegalArgumentException("queue.decided-history must be at least 1");
    }
  }

  /** The entity id of a tenant's queue ({@code none} for messages without a tenant). */
  public static String entityIdFor(String tenantId) {
    String t = Tenants.normalize(tenantId);
    return t == null ? "none" : "t:" + t;
  }

  public static Behavior<Command> create(
      String entityId, Settings settings, Clock clock, BackoffSupervisorStrategy restart) {
    return Behaviors.setup(ctx -> new DeliberationQueue(entityId, settings, clock, restart));
  }

  private final Settings settings;
  private final Clock clock;

  private DeliberationQueue(String entityId, Settings settings, Clock clock, BackoffSupervisorStrategy restart) {
    super(PersistenceId.of(ENTITY_KEY.name(), entityId), restart);
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(List.of(), List.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Admit.class, this::onAdmit)
        .onCommand(Release.class, this::onRelease)
        .onCommand(GetPending.class, this::onGetPending)
        .build();
  }

  private ReplyEffect<Event, State> onAdmit(State state, Admit cmd) {
    int position = state.positionOf(cmd.ticket().messageId());
    if (position > 0) {
      return Effect().reply(cmd.replyTo(),
          new Admission(Result.ALREADY_QUEUED, position, state.tickets().size(), settings.capacity()));
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    State after = state;
    if (state.tickets().size() >= settings.capacity()) {
      for (Ticket t : state.tickets()) {
        if (t.deadline().plus(settings.staleAfter()).isBefore(now)) {
          events.add(new TicketReleased(t.messageId(), "stale", now));
          after = after.without(t.messageId());
        }
      }
    }
    if (after.tickets().size() >= settings.capacity()) {
      Admission full = new Admission(Result.FULL, 0, after.tickets().size(), settings.capacity());
      if (events.isEmpty()) return Effect().reply(cmd.replyTo(), full);
      return Effect().persist(events).thenReply(cmd.replyTo(), s -> full);
    }
    events.add(new TicketAdmitted(cmd.ticket()));
    return Effect().persist(events).thenReply(cmd.replyTo(), s -> new Admission(
        Result.ADMITTED, s.positionOf(cmd.ticket().messageId()), s.tickets().size(), settings.capacity()));
  }

  private ReplyEffect<Event, State> onRelease(State state, Release cmd) {
    boolean newlyDecided = DECIDED.equals(cmd.why()) && !state.decided().contains(cmd.messageId());
    if (state.positionOf(cmd.messageId()) == 0 && !newlyDecided) return Effect().noReply();
    return Effect().persist(new TicketReleased(cmd.messageId(), cmd.why(), clock.instant())).thenNoReply();
  }

  private ReplyEffect<Event, State> onGetPending(State state, GetPending cmd) {
    return Effect().reply(cmd.replyTo(), new Pending(state.tickets(), settings.capacity(), state.decided()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(TicketAdmitted.class, (s, e) -> s.with(e.ticket()))
        .onEvent(TicketReleased.class, (s, e) -> DECIDED.equals(e.why())
            ? s.without(e.messageId()).decided(e.messageId(), settings.decidedHistory())
            : s.without(e.messageId()))
        .build();
  }
}
