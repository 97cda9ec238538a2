package dev.agentbus.actors.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.SnapshotCopy;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.chain.HashChain;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BiFunction;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One agent: its registration (event-sourced, hash-chained) and its inbox. The inbox is derived from
 * the ledger: accepted messages arrive as {@link Deliver} after their batch is durable, and after a
 * passivation, crash or restart the entity rebuilds them from the ledger ({@link InboxSource}). Only
 * acknowledgements are the entity's own events. What the inbox holds in memory counts against the node's
 * {@link InboxBudget}: over it, the entity drops its acknowledged messages first.
 */
public final class AgentEntity
    extends EventSourcedBehaviorWithEnforcedReplies<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Agent");

  // ---- protocol ----

  public sealed interface Command extends CborSerializable {}

  public record Register(
      String name, String type, String tenantId, MaciRole maciRole, List<String> capabilities,
      Map<String, String> metadata, ActorRef<StatusReply<AgentProfile>> replyTo) implements Command {}

  public record UpdateMetadata(Map<String, String> metadata, ActorRef<StatusReply<AgentProfile>> replyTo)
      implements Command {}

  public record Heartbeat(ActorRef<StatusReply<AgentProfile>> replyTo) implements Command {}

  public record Unregister(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  public record GetProfile(ActorRef<StatusReply<AgentProfile>> replyTo) implements Command {}

  /**
   * From the ledger, once the entry is durable, with the ledger's answers to the senders: they are sent
   * once the entry is in the inbox (or found undeliverable), so a read of the inbox after a sender's
   * acknowledgement always shows the message.
   */
  public record Deliver(LedgerEntry entry, List<LedgerPartition.Answer> answers) implements Command {
    public Deliver(LedgerEntry entry) {
      this(entry, List.of());
    }
  }

  public record ReadInbox(InboxQuery query, ActorRef<StatusReply<InboxPage>> replyTo) implements Command {}

  public record Ack(UUID messageId, ActorRef<StatusReply<InboxItem>> replyTo) implements Command {}

  /** Push: the subscriber gets every unacknowledged message now and every delivery after. */
  public record Subscribe(ActorRef<InboxItem> subscriber) implements Command {}

  public record Unsubscribe(ActorRef<InboxItem> subscriber) implements Command {}

  /**
   * Starts the entity (recovery republishes its profile) and answers once it has recovered; used to rebuild
   * the directory a few agents at a time.
   */
  public record Wake(ActorRef<Done> replyTo) implements Command {}

  private record InboxLoaded(List<LedgerEntry> entries) implements Command {}

  private record InboxLoadFailed(String reason) implements Command {}

  /** The message of repeated acks, no longer held in memory, as read back from the ledger. */
  private record AcknowledgedReadBack(UUID messageId, LedgerEntry entry, String failure) implements Command {}

  // ---- events: every one is a link of this agent's hash chain ----

  public sealed interface Event extends CborSerializable, ChainedRecord {}

  /** What an event's hash covers: its kind and its data. */
  public record Body(String event, Object data) {}

  public record Registered(AgentProfile profile, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Registered", profile);
    }
  }

  public record MetadataUpdated(Map<String, String> metadata, Instant at, String prevHash, String hash)
      implements Event {
    @Override
    public Object content() {
      return new Body("MetadataUpdated", Map.of("metadata", metadata, "at", at.toString()));
    }
  }

  public record HeartbeatReceived(Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("HeartbeatReceived", at.toString());
    }
  }

  public record Unregistered(Instant at, String prevHash, String hash) implements Event {
    @Override
    public Object content() {
      return new Body("Unregistered", at.toString());
    }
  }

  /**
   * Where the next rebuild of the inbox starts, recorded at the first delivery to an agent that has recorded
   * none (it has acknowledged nothing yet), so that its rebuilds need not read its partition from the start.
   */
  public record InboxCheckpointed(long inboxFrom, long finishedBelow, String prevHash, String hash)
      implements Event {
    @Override
    public Object content() {
      return new Body("InboxCheckpointed", Map.of("inboxFrom", inboxFrom, "finishedBelow", finishedBelow));
    }
  }

  /**
   * @param inboxFrom where a rebuild of the inbox reads the ledger from after this acknowledgement (see
   *     {@link State}); 0 in events written before it existed
   * @param finishedBelow the agent's messages numbered below this one are finished (see {@link State}); 0 in
   *     events written before it existed
   */
  public record MessageAcknowledged(
      UUID messageId, Instant at, long inboxFrom, long finishedBelow, String prevHash, String hash)
      implements Event {
    @Override
    public Object content() {
      Map<String, Object> data = new TreeMap<>(Map.of("messageId", messageId.toString(), "at", at.toString()));
      // absent, not 0, in older events, whose hashes must still verify
      if (finishedBelow > 0) {
        data.put("inboxFrom", inboxFrom);
        data.put("finishedBelow", finishedBelow);
      }
      return new Body("MessageAcknowledged", data);
    }
  }

  // ---- state ----

  /**
   * @param profile null while not registered (never, or after unregistering: the role goes too)
   * @param acked acknowledged message ids, oldest first, bounded like the inbox
   * @param everRegistered false for an agent that never existed: its inbox needs no rebuild
   * @param inboxFrom the ledger position a rebuild of the inbox reads from (0: the start)
   * @param finishedBelow every message of this agent numbered below this one ({@code LedgerEntry.recipientSeq})
   *     is acknowledged or expired, whether or not its id is still in {@code acked} (0: none known)
   */
  public record State(
      AgentProfile profile, LinkedHashSet<UUID> acked, String lastHash, boolean everRegistered, long inboxFrom,
      long finishedBelow) implements CborSerializable {
    static State empty() {
      return new State(null, new LinkedHashSet<>(), HashChain.GENESIS, false, 0, 0);
    }

    public boolean registered() {
      return profile != null;
    }
  }

  /**
   * What an agent needs from its node.
   *
   * @param acknowledgedOnRebuild a rebuilt inbox shows again at least this many of the last acknowledged
   *     messages (each may lengthen the rebuild's read of the ledger)
   * @param snapshotEvery a snapshot after this many events (bounds what a start replays)
   */
  public record Settings(
      int inboxMaxRetained, int defaultPageSize, int maxPageSize, int acknowledgedOnRebuild, int snapshotEvery) {}

  /** @param budget the node's inbox memory, shared by all the agent entities of the node */
  public static Behavior<Command> create(
      String agentId, Settings settings, InboxBudget budget, InboxSource inboxSource, DirectoryPublisher directory,
      Clock clock, BackoffSupervisorStrategy restart) {
    return Behaviors.setup(ctx -> new AgentEntity(ctx, agentId, settings, budget, inboxSource, directory, clock,
        restart));
  }

  private final ActorContext<Command> context;
  private final String agentId;
  private final Settings settings;
  private final InboxSource inboxSource;
  private final DirectoryPublisher directory;
  private final Clock clock;
  // Derived from the ledger, not event-sourced: rebuilt on every start.
  private final LinkedHashMap<UUID, HeldMessage> inbox = new LinkedHashMap<>();
  // Given back to the node's budget whenever the inbox goes: when the entity stops, and when it restarts
  // after a journal failure (this instance outlives the restart, but a stop during the backoff would not
  // reach the handlers); the inbox is then rebuilt from the ledger as after a passivation.
  private final InboxBudget budget;
  private final InboxBudget.Share budgetShare;
  // the CBOR mapper of the node's serializer: inbox entries are kept encoded (see HeldMessage)
  private final ObjectMapper codec;
  private final List<ActorRef<InboxItem>> subscribers = new ArrayList<>();
  private final List<Command> waitingForInbox = new ArrayList<>();
  // repeated acks of messages no longer in memory, by message, waiting for one read of the ledger
  private final Map<UUID, List<ActorRef<StatusReply<InboxItem>>>> readingBack = new HashMap<>();
  // Where the next rebuild may start: known once the inbox is loaded (null before); and the positions of the
  // last acknowledged messages, which a rebuild shows again.
  private DeliveryCursor cursor;
  private final ArrayDeque<Long> acknowledgedPositions = new ArrayDeque<>();
  // The cursor counts numbered messages only: the lowest position of an unfinished one written before the ledger
  // numbered them (0 if it came live from a node that does not number them yet), kept until the next rebuild.
  private long unnumberedFrom = Long.MAX_VALUE;
  private boolean inboxLoaded;
  private boolean inboxLoading;

  private AgentEntity(
      ActorContext<Command> context, String agentId, Settings settings, InboxBudget budget,
      InboxSource inboxSource, DirectoryPublisher directory, Clock clock, BackoffSupervisorStrategy restart) {
    super(PersistenceId.of(ENTITY_KEY.name(), agentId), restart);
    this.context = context;
    this.agentId = agentId;
    this.settings = settings;
    this.budget = budget;
    this.budgetShare = budget.share();
    this.inboxSource = inboxSource;
    this.directory = directory;
    this.clock = clock;
    this.codec = JacksonObjectMapperProvider.get(context.getSystem())
        .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
  }

  @Override
  public State emptyState() {
    return State.empty();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Every acknowledgement is an event: without snapshots an agent that had acknowledged 10,000 messages
    // replayed all of them at each start. Events stay, they are the agent's audit trail.
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
  }

  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return SNAPSHOT_COPY;
  }

  /** Acknowledgements update the acknowledged ids in place: a snapshot gets a copy. */
  static final SnapshotAdapter<State> SNAPSHOT_COPY = SnapshotCopy.of(State.class, s -> new State(
      s.profile(), new LinkedHashSet<>(s.acked()), s.lastHash(), s.everRegistered(), s.inboxFrom(),
      s.finishedBelow()));

  // ---- commands ----

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Register.class, this::onRegister)
        .onCommand(UpdateMetadata.class, this::onUpdateMetadata)
        .onCommand(Heartbeat.class, this::onHeartbeat)
        .onCommand(Unregister.class, this::onUnregister)
        .onCommand(GetProfile.class, this::onGetProfile)
        .onCommand(Deliver.class, this::onDeliver)
        .onCommand(ReadInbox.class, this::onReadInbox)
        .onCommand(Ack.class, this::onAck)
        .onCommand(Subscribe.class, this::onSubscribe)
        .onCommand(Unsubscribe.class, this::onUnsubscribe)
        .onCommand(Wake.class, (s, c) -> Effect().reply(c.replyTo(), Done.getInstance()))
        .onCommand(InboxLoaded.class, this::onInboxLoaded)
        .onCommand(InboxLoadFailed.class, this::onInboxLoadFailed)
        .onCommand(AcknowledgedReadBack.class, this::onAcknowledgedReadBack)
        .build();
  }

  private ReplyEffect<Event, State> onRegister(State state, Register cmd) {
    if (state.registered()) {
      return Effect().reply(cmd.replyTo(),
          AgentErrors.error("agent_already_registered", "agent '" + agentId + "' is already registered"));
    }
    Instant now = clock.instant();
    AgentProfile profile = new AgentProfile(agentId, cmd.name(), cmd.type(), cmd.tenantId(), cmd.maciRole(),
        cmd.capabilities(), cmd.metadata(), AgentStatus.ACTIVE, now, now);
    boolean registeredBefore = state.everRegistered();
    return Effect()
        .persist(link(state, (prev, hash) -> new Registered(profile, prev, hash)))
        .thenRun(s -> {
          directory.publish(s.profile());
          // registered again: the next read rebuilds the inbox, with what was held back meanwhile
          if (registeredBefore && inboxLoaded) forgetInbox();
        })
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.profile()));
  }

  private ReplyEffect<Event, State> onUpdateMetadata(State state, UpdateMetadata cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    Map<String, String> merged = new HashMap<>(state.profile().metadata());
    merged.putAll(cmd.metadata());
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new MetadataUpdated(Map.copyOf(merged), now, prev, hash)))
        .thenRun(s -> directory.publish(s.profile()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.profile()));
  }

  private ReplyEffect<Event, State> onHeartbeat(State state, Heartbeat cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new HeartbeatReceived(now, prev, hash)))
        .thenRun(s -> directory.publish(s.profile()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(s.profile()));
  }

  private ReplyEffect<Event, State> onUnregister(State state, Unregister cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    Instant now = clock.instant();
    return Effect()
        .persist(link(state, (prev, hash) -> new Unregistered(now, prev, hash)))
        .thenRun(s -> directory.withdraw(agentId))
        .thenReply(cmd.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onGetProfile(State state, GetProfile cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    return Effect().reply(cmd.replyTo(), StatusReply.success(state.profile()));
  }

  private ReplyEffect<Event, State> onDeliver(State state, Deliver cmd) {
    accept(state, cmd.entry());
    cmd.answers().forEach(LedgerPartition.Answer::send);
    long inboxFrom = cursor != null && state.registered() && state.finishedBelow() == 0 ? rebuildFrom() : 0;
    if (inboxFrom > 0) {
      // once per agent until it acknowledges: without a recorded point, a rebuild reads the whole partition
      long finishedBelow = cursor.floorSeq();
      return Effect()
          .persist(link(state, (prev, hash) -> new InboxCheckpointed(inboxFrom, finishedBelow, prev, hash)))
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private void accept(State state, LedgerEntry entry) {
    boolean finished = holdIfReadable(state, entry);
    if (cursor != null) track(entry.recipientSeq(), entry.position(), finished);
  }

  /** Counts a message in where the next rebuild may start (the cursor counts numbered messages only). */
  private void track(long recipientSeq, long position, boolean finished) {
    cursor.arrived(recipientSeq, position, finished);
    if (recipientSeq == 0 && !finished) unnumberedFrom = Math.min(unnumberedFrom, position);
  }

  /**
   * Holds a delivered message if it can be read. Answers whether it is finished: acknowledged already,
   * expired, a copy of one held, or for another tenant. One held back because the agent is not registered or
   * not active is not: a rebuild once it is shows it.
   */
  private boolean holdIfReadable(State state, LedgerEntry entry) {
    AgentMessage m = entry.message();
    // The recipient is authoritative: re-check registration, status and tenant on arrival.
    if (!state.registered() || !state.profile().isActive()) {
      context.getLog().warn("Undeliverable message {} to {}: agent not registered or not active", m.id(), agentId);
      return false;
    }
    if (!AgentMessage.sameTenant(m.tenantId(), state.profile().tenantId())) {
      context.getLog().warn("Undeliverable message {} to {}: tenant mismatch", m.id(), agentId);
      return true;
    }
    if (m.isExpiredAt(clock.instant()) || inbox.containsKey(m.id())) return true;
    boolean acked = state.acked().contains(m.id());
    hold(HeldMessage.of(entry, codec, acked));
    trimInbox();
    trimForBudget(null);
    if (!subscribers.isEmpty()) {
      InboxItem item = new InboxItem(m, MessageStatus.DELIVERED, entry.recordedAt());
      subscribers.forEach(s -> s.tell(item));
    }
    return acked;
  }

  private ReplyEffect<Event, State> onReadInbox(State state, ReadInbox cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    if (!inboxReady(state, cmd)) return Effect().noReply();
    InboxQuery q = cmd.query();
    Instant now = clock.instant();
    List<HeldMessage> matching = new ArrayList<>();
    Iterator<HeldMessage> it = inbox.values().iterator();
    while (it.hasNext()) {
      HeldMessage m = it.next();
      boolean acked = m.acknowledged();
      if (!acked && m.isExpiredAt(now)) {
        // never served again; it would otherwise hold the node's budget as unacknowledged for good
        drop(it, m);
        if (cursor != null) cursor.finished(m.recipientSeq());
        continue;
      }
      if (q.type() != null && q.type() != m.type()) continue;
      if (q.since() != null && m.timestamp() != null && m.timestamp().isBefore(q.since())) continue;
      if (q.unreadOnly() && acked) continue;
      matching.add(m);
    }
    int pageSize = q.pageSize() <= 0 ? settings.defaultPageSize() : Math.min(q.pageSize(), settings.maxPageSize());
    int page = Math.max(1, q.page());
    long from = (long) (page - 1) * pageSize;
    List<InboxItem> slice = new ArrayList<>();
    // only the page's messages are decoded
    for (long i = from; i < Math.min(matching.size(), from + pageSize); i++) {
      HeldMessage m = matching.get((int) i);
      slice.add(m.item(m.acknowledged() ? MessageStatus.ACKNOWLEDGED : MessageStatus.DELIVERED, codec));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(new InboxPage(slice, matching.size(), page, pageSize)));
  }

  private ReplyEffect<Event, State> onAck(State state, Ack cmd) {
    if (!state.registered()) return Effect().reply(cmd.replyTo(), notRegistered());
    if (!inboxReady(state, cmd)) return Effect().noReply();
    HeldMessage held = inbox.get(cmd.messageId());
    if (held == null && state.acked().contains(cmd.messageId())) {
      // acknowledged, then dropped from memory (cap or node budget): the same ack again still succeeds, answered
      // from one read of the ledger however many such acks arrive meanwhile
      UUID id = cmd.messageId();
      List<ActorRef<StatusReply<InboxItem>>> waiting = readingBack.get(id);
      if (waiting != null) {
        waiting.add(cmd.replyTo());
        return Effect().noReply();
      }
      readingBack.put(id, new ArrayList<>(List.of(cmd.replyTo())));
      context.pipeToSelf(inboxSource.acceptedEntry(agentId, id), (entry, error) -> error != null
          ? new AcknowledgedReadBack(id, null, String.valueOf(error))
          : new AcknowledgedReadBack(id, entry.orElse(null), null));
      return Effect().noReply();
    }
    if (held == null) return Effect().reply(cmd.replyTo(), messageNotFound(cmd.messageId()));
    InboxItem item = held.item(MessageStatus.ACKNOWLEDGED, codec);
    if (held.acknowledged()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(item));
    }
    Instant now = clock.instant();
    // Moved before the write: should it fail, the entity restarts and rebuilds the cursor with the inbox.
    cursor.finished(held.recipientSeq());
    rememberAcknowledged(held.position());
    long inboxFrom = rebuildFrom();
    long finishedBelow = cursor.floorSeq();
    return Effect()
        .persist(link(state, (prev, hash) ->
            new MessageAcknowledged(cmd.messageId(), now, inboxFrom, finishedBelow, prev, hash)))
        .thenRun(s -> acknowledgedInMemory(cmd.messageId()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(item));
  }

  /** Where a rebuild would start now: the cursor's floor, unless an unnumbered or a recent acknowledged is older. */
  private long rebuildFrom() {
    long from = Math.min(cursor.floorPosition(), unnumberedFrom);
    for (long p : acknowledgedPositions) from = Math.min(from, p);
    return from;
  }

  private ReplyEffect<Event, State> onAcknowledgedReadBack(State state, AcknowledgedReadBack msg) {
    StatusReply<InboxItem> reply;
    if (msg.failure() != null) {
      context.getLog().warn("Acknowledged message {} of {} could not be read back: {}", msg.messageId(), agentId,
          msg.failure());
      reply = AgentErrors.error("inbox_unavailable", "inbox could not be read; try again");
    } else if (msg.entry() == null) {
      reply = messageNotFound(msg.messageId());
    } else {
      reply = StatusReply.success(
          new InboxItem(msg.entry().message(), MessageStatus.ACKNOWLEDGED, msg.entry().recordedAt()));
    }
    readingBack.getOrDefault(msg.messageId(), List.of()).forEach(r -> r.tell(reply));
    readingBack.remove(msg.messageId());
    return Effect().noReply();
  }

  private StatusReply<InboxItem> messageNotFound(UUID messageId) {
    return AgentErrors.error("message_not_found", "no message " + messageId + " in the inbox of " + agentId);
  }

  private void acknowledgedInMemory(UUID messageId) {
    HeldMessage held = inbox.get(messageId);
    if (held != null && !held.acknowledged()) {
      // put on an existing key keeps the inbox order
      inbox.put(messageId, held.asAcknowledged());
      budgetShare.acknowledged(held);
    }
    // the message just acknowledged stays for now, so that the same ack sent again is still answered
    trimForBudget(messageId);
  }

  private ReplyEffect<Event, State> onSubscribe(State state, Subscribe cmd) {
    if (!inboxReady(state, cmd)) return Effect().noReply();
    if (!subscribers.contains(cmd.subscriber())) {
      subscribers.add(cmd.subscriber());
      context.watch(cmd.subscriber());
    }
    // Resume from the ack cursor: everything not yet acknowledged, in order.
    for (HeldMessage m : inbox.values()) {
      if (!m.acknowledged()) cmd.subscriber().tell(m.item(MessageStatus.DELIVERED, codec));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onUnsubscribe(State state, Unsubscribe cmd) {
    if (subscribers.remove(cmd.subscriber())) context.unwatch(cmd.subscriber());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onInboxLoaded(State state, InboxLoaded msg) {
    // Rebuilt entries come first (ledger order); live deliveries that raced the rebuild follow.
    LinkedHashMap<UUID, HeldMessage> live = new LinkedHashMap<>(inbox);
    releaseInbox();
    startTracking(DeliveryCursor.startingAt(Math.max(1, state.finishedBelow()), state.inboxFrom(),
        settings.inboxMaxRetained()));
    Instant now = clock.instant();
    for (LedgerEntry e : msg.entries()) {
      AgentMessage m = e.message();
      boolean otherTenant = state.registered()
          && !AgentMessage.sameTenant(m.tenantId(), state.profile().tenantId());
      boolean expired = m.isExpiredAt(now);
      // below the floor and not expired: it was acknowledged, even if its id has left the bounded set since
      boolean acked = state.acked().contains(m.id())
          || (e.recipientSeq() > 0 && e.recipientSeq() < state.finishedBelow() && !expired);
      // not registered (now): not finished either, a rebuild once it is registered again shows it
      boolean finished = otherTenant || acked || expired || inbox.containsKey(m.id());
      track(e.recipientSeq(), e.position(), finished);
      if (!state.registered() || otherTenant || (expired && !acked)) continue;
      if (acked) rememberAcknowledged(e.position());
      if (!inbox.containsKey(m.id())) hold(HeldMessage.of(e, codec, acked));
    }
    live.values().forEach(h -> {
      track(h.recipientSeq(), h.position(), h.acknowledged() || inbox.containsKey(h.id()));
      if (!inbox.containsKey(h.id())) hold(h);
    });
    trimInbox();
    trimForBudget(null);
    inboxLoaded = true;
    inboxLoading = false;
    List<Command> waiting = List.copyOf(waitingForInbox);
    waitingForInbox.clear();
    waiting.forEach(c -> context.getSelf().tell(c));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onInboxLoadFailed(State state, InboxLoadFailed msg) {
    inboxLoading = false;
    context.getLog().error("Inbox of {} could not be rebuilt from the ledger: {}", agentId, msg.reason());
    List<Command> waiting = List.copyOf(waitingForInbox);
    waitingForInbox.clear();
    for (Command c : waiting) {
      StatusReply<?> error = AgentErrors.error("inbox_unavailable", "inbox could not be read; try again");
      if (c instanceof ReadInbox r) r.replyTo().tell(AgentErrors.cast(error));
      else if (c instanceof Ack a) a.replyTo().tell(AgentErrors.cast(error));
    }
    return Effect().noReply();
  }

  /** True when the inbox can be served; otherwise the command waits for the rebuild to finish. */
  private boolean inboxReady(State state, Command cmd) {
    if (inboxLoaded) return true;
    waitingForInbox.add(cmd);
    startInboxLoad(state);
    return false;
  }

  private void startInboxLoad(State state) {
    if (inboxLoading || inboxLoaded) return;
    if (!state.everRegistered()) {
      inboxLoaded = true;
      context.getSelf().tell(new InboxLoaded(List.of()));
      return;
    }
    inboxLoading = true;
    context.pipeToSelf(inboxSource.acceptedFor(agentId, state.inboxFrom()),
        (entries, error) -> error == null ? new InboxLoaded(entries) : new InboxLoadFailed(String.valueOf(error)));
  }

  /** Drops the inbox and what was derived with it; the next read rebuilds it from the ledger. */
  private void forgetInbox() {
    releaseInbox();
    startTracking(null);
    inboxLoaded = false;
  }

  /** Where the next rebuild may start, tracked afresh from {@code next} (null: not known until a rebuild). */
  private void startTracking(DeliveryCursor next) {
    cursor = next;
    acknowledgedPositions.clear();
    unnumberedFrom = Long.MAX_VALUE;
  }

  private void rememberAcknowledged(long position) {
    acknowledgedPositions.addLast(position);
    while (acknowledgedPositions.size() > settings.acknowledgedOnRebuild()) acknowledgedPositions.removeFirst();
  }

  private void hold(HeldMessage m) {
    inbox.put(m.id(), m);
    budgetShare.added(m);
  }

  /** Empties the inbox and gives its memory back to the node's budget. */
  private void releaseInbox() {
    inbox.clear();
    budgetShare.releaseAll();
  }

  private void trimInbox() {
    if (inbox.size() <= settings.inboxMaxRetained()) return;
    // Drop the oldest acknowledged first; all of them stay in the ledger.
    Iterator<HeldMessage> it = inbox.values().iterator();
    while (inbox.size() > settings.inboxMaxRetained() && it.hasNext()) {
      HeldMessage m = it.next();
      if (m.acknowledged()) drop(it, m);
    }
    it = inbox.values().iterator();
    while (inbox.size() > settings.inboxMaxRetained() && it.hasNext()) {
      drop(it, it.next());
    }
  }

  /**
   * While the node's inboxes hold more than its budget, this inbox drops its acknowledged messages, oldest
   * first (all stay in the ledger; a rebuild reads them back); {@code keep}, when given, stays. Each entity
   * does it when it next adds or acknowledges a message, so no scan of the node is needed.
   */
  private void trimForBudget(UUID keep) {
    if (!budget.overBudget()) return;
    HeldMessage kept = keep == null ? null : inbox.get(keep);
    int keepAcknowledged = kept != null && kept.acknowledged() ? 1 : 0;
    Iterator<HeldMessage> it = inbox.values().iterator();
    while (budgetShare.acknowledgedMessages() > keepAcknowledged && budget.overBudget() && it.hasNext()) {
      HeldMessage m = it.next();
      if (m.acknowledged() && m != kept) drop(it, m);
    }
  }

  private void drop(Iterator<HeldMessage> at, HeldMessage m) {
    at.remove();
    budgetShare.removed(m);
  }

  private Event link(State state, BiFunction<String, String, Event> event) {
    return HashChain.next(state.lastHash(), persistenceId().id(), lastSequenceNumber(context) + 1, event);
  }

  private <T> StatusReply<T> notRegistered() {
    return AgentErrors.error("agent_not_found", "agent '" + agentId + "' is not registered");
  }

  // ---- events ----

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Registered.class, (s, e) -> new State(e.profile(), s.acked(), e.hash(), true, s.inboxFrom(),
            s.finishedBelow()))
        .onEvent(MetadataUpdated.class, (s, e) -> new State(withMetadata(s.profile(), e.metadata(), e.at()),
            s.acked(), e.hash(), s.everRegistered(), s.inboxFrom(), s.finishedBelow()))
        .onEvent(HeartbeatReceived.class, (s, e) -> new State(withLastSeen(s.profile(), e.at()), s.acked(), e.hash(),
            s.everRegistered(), s.inboxFrom(), s.finishedBelow()))
        .onEvent(Unregistered.class, (s, e) -> new State(null, s.acked(), e.hash(), s.everRegistered(), s.inboxFrom(),
            s.finishedBelow()))
        .onEvent(MessageAcknowledged.class, this::applyAck)
        .onEvent(InboxCheckpointed.class, (s, e) -> new State(s.profile(), s.acked(), e.hash(), s.everRegistered(),
            e.inboxFrom(), e.finishedBelow()))
        .build();
  }

  private State applyAck(State s, MessageAcknowledged e) {
    // Updated in place (copying up to inbox-max-retained ids per ack would cost more), except the empty
    // set: the behaviour's empty state is one instance that every recovery starts from, and an event is
    // applied before the journal confirms it, so an unwritten ack must not stay in it after a restart.
    LinkedHashSet<UUID> acked = s.acked().isEmpty() ? new LinkedHashSet<>() : s.acked();
    acked.add(e.messageId());
    Iterator<UUID> it = acked.iterator();
    while (acked.size() > settings.inboxMaxRetained() && it.hasNext()) {
      it.next();
      it.remove();
    }
    boolean moved = e.finishedBelow() > 0;
    return new State(s.profile(), acked, e.hash(), s.everRegistered(), moved ? e.inboxFrom() : s.inboxFrom(),
        moved ? e.finishedBelow() : s.finishedBelow());
  }

  private static AgentProfile withMetadata(AgentProfile p, Map<String, String> metadata, Instant at) {
    return new AgentProfile(p.id(), p.name(), p.type(), p.tenantId(), p.maciRole(), p.capabilities(), metadata,
        p.status(), p.registeredAt(), at);
  }

  private static AgentProfile withLastSeen(AgentProfile p, Instant at) {
    return new AgentProfile(p.id(), p.name(), p.type(), p.tenantId(), p.maciRole(), p.capabilities(), p.metadata(),
        p.status(), p.registeredAt(), at);
  }

  // ---- signals ----

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.registered()) directory.publish(state.profile());
          if (!state.everRegistered()) {
            // nothing in the ledger to rebuild
            inboxLoaded = true;
            startTracking(DeliveryCursor.startingAt(1, 0, settings.inboxMaxRetained()));
          }
        })
        .onSignal(Terminated.class, (state, t) -> subscribers.removeIf(s -> s.equals(t.getRef())))
        // passivated, rebalanced or stopped: the inbox goes with the entity, its memory back to the node
        .onSignal(PostStop.instance(), state -> releaseInbox())
        .onSignal(PreRestart.instance(), state -> forgetInbox())
        .build();
  }
}
