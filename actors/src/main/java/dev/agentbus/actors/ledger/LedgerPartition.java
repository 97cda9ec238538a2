package dev.agentbus.actors.ledger;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.SnapshotCopy;
import dev.agentbus.actors.chain.HashChain;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.MessageStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * A write-batching ledger partition. Every governed message (accepted, rejected or held) is written
 * here durably before its sender is answered. Appends that arrive while a write is in flight are
 * stashed by the behaviour and flushed together as one {@link BatchWritten} event as soon as the write
 * completes: one journal row per flush, no timer. Each recipient maps to one partition, so its order
 * holds. Accepted entries are handed to the recipient after the write, together with the answers for
 * their senders: the recipient answers once it holds the entry, so that a read of its inbox after the
 * sender's acknowledgement shows the message, without a second round trip from the sender.
 */
public final class LedgerPartition
    extends EventSourcedBehavior<LedgerPartition.Command, LedgerPartition.Event, LedgerPartition.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Ledger");

  public sealed interface Command extends CborSerializable {}

  /** Write this entry (unless its id or idempotency key was written before) and answer with the stored outcome. */
  public record Append(LedgerEntry entry, ActorRef<Appended> replyTo) implements Command {}

  /**
   * @param duplicate true when an earlier entry with the same id or idempotency key was found; then
   *     {@code outcome} is that earlier one's
   */
  public record Appended(Outcome outcome, boolean duplicate) implements CborSerializable {}

  /** What a caller (or a duplicate) needs to know about a stored entry. */
  public record Outcome(
      UUID messageId, String recipientId, MessageStatus status, List<Reason> reasons, double impactScore,
      String hash) implements CborSerializable {
    static Outcome of(LedgerEntry e) {
      return new Outcome(e.message().id(), e.recipientId(), e.status(), e.reasons(), e.impactScore(), e.hash());
    }
  }

  /** Starts the partition and answers once it has recovered, so that a node is ready before its first send. */
  public record Wake(ActorRef<Done> replyTo) implements Command {}

  /** An answer the recipient sends on the ledger's behalf once it holds the entry. */
  public record Answer(ActorRef<Appended> to, Appended appended) implements CborSerializable {
    public void send() {
      to.tell(appended);
    }
  }

  /** Hands an accepted entry to its recipient, which sends every answer once it holds the entry. */
  @FunctionalInterface
  public interface Recipients {
    void deliver(LedgerEntry entry, List<Answer> answers);
  }

  private enum Flush implements Command {
    INSTANCE
  }

  public sealed interface Event extends CborSerializable {}

  public record BatchWritten(List<LedgerEntry> entries) implements Event {}

  /**
   * @param recent de-duplication keys of the last entries, oldest first, bounded by the dedup window
   * @param deliveredTo per recipient, how many accepted entries the partition holds for it (the last
   *     {@link LedgerEntry#recipientSeq}); one number per recipient that ever got a message here
   */
  public record State(
      long entries, String lastHash, LinkedHashMap<String, Outcome> recent, HashMap<String, Long> deliveredTo)
      implements CborSerializable {
    public State {
      // a snapshot taken before the counts existed
      if (deliveredTo == null) deliveredTo = new HashMap<>();
    }

    static State empty() {
      return new State(0, HashChain.GENESIS, new LinkedHashMap<>(), new HashMap<>());
    }
  }

  /**
   * Everything a partition needs from its node.
   *
   * @param snapshotEvery a snapshot after this many batch events at the latest (bounds the events replayed)
   * @param snapshotEveryEntries and after this many entries (bounds the entries replayed)
   */
  public record Settings(int maxBatch, int dedupWindow, int snapshotEvery, int snapshotEveryEntries) {}

  public static String entityIdFor(String recipientId, int partitions) {
    return Integer.toString(Math.floorMod(recipientId.hashCode(), partitions));
  }

  public static Behavior<Command> create(
      String partitionId, Settings settings, Recipients recipients, BackoffSupervisorStrategy restart) {
    return Behaviors.setup(ctx -> new LedgerPartition(ctx, partitionId, settings, recipients, restart));
  }

  /** An entry waiting for the next flush, with every caller that asked for it. */
  private static final class Pending {
    final LedgerEntry entry;
    final List<ActorRef<Appended>> callers = new ArrayList<>(1);
    final List<ActorRef<Appended>> duplicateCallers = new ArrayList<>(0);

    Pending(LedgerEntry entry, ActorRef<Appended> caller) {
      this.entry = entry;
      callers.add(caller);
    }
  }

  private final ActorContext<Command> context;
  private final Settings settings;
  private final Recipients recipients;
  // Not event-sourced: what arrived since the last flush, in order, and an index by dedup key.
  private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
  private final Map<String, Pending> pendingByKey = new HashMap<>();
  private boolean flushQueued;

  private LedgerPartition(
      ActorContext<Command> context, String partitionId, Settings settings, Recipients recipients,
      BackoffSupervisorStrategy restart) {
    super(PersistenceId.of(ENTITY_KEY.name(), partitionId), restart);
    this.context = context;
    this.settings = settings;
    this.recipients = recipients;
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Snapshots only shorten recovery; events stay, they are the audit trail.
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  /**
   * A snapshot costs the whole dedup window however small the batches, so counting batches alone made small
   * batches (an even arrival rate, a sequential sender) snapshot several times as often per message as W3's
   * 16-entry batches: every few seconds a multi-megabyte write, and an open-loop p99 in the hundreds of
   * milliseconds. Entries count too: whichever bound is reached first.
   */
  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof BatchWritten b && crossedMultiple(state.entries(), b.entries().size(),
        settings.snapshotEveryEntries());
  }

  /** Whether adding {@code added} to reach {@code total} passed a multiple of {@code every}. */
  static boolean crossedMultiple(long total, int added, int every) {
    return added > 0 && (total - added) / every != total / every;
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return SNAPSHOT_COPY;
  }

  /** The event handler adds to the dedup window and the counts in place: a snapshot gets copies. */
  static final SnapshotAdapter<State> SNAPSHOT_COPY = SnapshotCopy.of(State.class, state -> new State(
      state.entries(), state.lastHash(), new LinkedHashMap<>(state.recent()), new HashMap<>(state.deliveredTo())));

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(Flush.class, this::onFlush)
        .onCommand(Wake.class, (s, c) -> Effect().none().thenReply(c.replyTo(), after -> Done.getInstance()))
        .build();
  }

  private Effect<Event, State> onAppend(State state, Append cmd) {
    for (String key : cmd.entry().dedupKeys()) {
      Outcome earlier = state.recent().get(key);
      if (earlier != null) {
        cmd.replyTo().tell(new Appended(earlier, true));
        return Effect().none();
      }
      Pending inFlight = pendingByKey.get(key);
      if (inFlight != null) {
        inFlight.duplicateCallers.add(cmd.replyTo());
        return Effect().none();
      }
    }
    Pending p = new Pending(cmd.entry(), cmd.replyTo());
    buffer.add(p);
    for (String key : cmd.entry().dedupKeys()) pendingByKey.put(key, p);
    if (!flushQueued) {
      flushQueued = true;
      context.getSelf().tell(Flush.INSTANCE);
    }
    return Effect().none();
  }

  private Effect<Event, State> onFlush(State state, Flush flush) {
    flushQueued = false;
    if (buffer.isEmpty()) return Effect().none();
    int n = Math.min(settings.maxBatch(), buffer.size());
    List<Pending> batch = new ArrayList<>(n);
    for (int i = 0; i < n; i++) batch.add(buffer.poll());
    if (!buffer.isEmpty()) {
      // More than one batch waited: the rest goes in the next write.
      flushQueued = true;
      context.getSelf().tell(Flush.INSTANCE);
    }
    long seqNr = lastSequenceNumber(context) + 1;
    String pid = persistenceId().id();
    String prev = state.lastHash();
    List<LedgerEntry> linked = new ArrayList<>(n);
    Map<String, Long> counted = new HashMap<>();
    for (int i = 0; i < n; i++) {
      LedgerEntry e = batch.get(i).entry;
      String hash = HashChain.link(prev, pid, seqNr, i, e.content());
      long recipientSeq = 0;
      if (e.delivered()) {
        recipientSeq = counted.getOrDefault(e.recipientId(), state.deliveredTo().getOrDefault(e.recipientId(), 0L)) + 1;
        counted.put(e.recipientId(), recipientSeq);
      }
      linked.add(e.linked(prev, hash, seqNr, recipientSeq));
      prev = hash;
    }
    return Effect()
        .persist(new BatchWritten(linked))
        .thenRun(after -> afterWrite(batch, linked));
  }

  private void afterWrite(List<Pending> batch, List<LedgerEntry> linked) {
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      LedgerEntry stored = linked.get(i);
      Outcome outcome = Outcome.of(stored);
      for (String key : stored.dedupKeys()) pendingByKey.remove(key);
      List<Answer> answers = new ArrayList<>(p.callers.size() + p.duplicateCallers.size());
      p.callers.forEach(c -> answers.add(new Answer(c, new Appended(outcome, false))));
      p.duplicateCallers.forEach(c -> answers.add(new Answer(c, new Appended(outcome, true))));
      if (stored.delivered()) {
        recipients.deliver(stored, answers);
      } else {
        answers.forEach(Answer::send);
      }
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(BatchWritten.class, this::applyBatch)
        .build();
  }

  private State applyBatch(State state, BatchWritten event) {
    // Updated in place, except the empty state's maps: that state is one instance that every recovery
    // without a snapshot starts from, and an event is applied before the journal confirms it, so an unwritten
    // batch must not stay in it after a restart.
    boolean fromEmpty = state.entries() == 0;
    LinkedHashMap<String, Outcome> recent = fromEmpty ? new LinkedHashMap<>(state.recent()) : state.recent();
    HashMap<String, Long> deliveredTo = fromEmpty ? new HashMap<>(state.deliveredTo()) : state.deliveredTo();
    for (LedgerEntry e : event.entries()) {
      Outcome o = Outcome.of(e);
      for (String key : e.dedupKeys()) recent.put(key, o);
      if (e.recipientSeq() > 0) deliveredTo.put(e.recipientId(), e.recipientSeq());
    }
    var it = recent.entrySet().iterator();
    while (recent.size() > settings.dedupWindow() && it.hasNext()) {
      it.next();
      it.remove();
    }
    List<LedgerEntry> entries = event.entries();
    String last = entries.isEmpty() ? state.lastHash() : entries.get(entries.size() - 1).hash();
    return new State(state.entries() + entries.size(), last, recent, deliveredTo);
  }
}
