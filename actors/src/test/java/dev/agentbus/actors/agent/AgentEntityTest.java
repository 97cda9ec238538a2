package dev.agentbus.actors.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.support.ManualClock;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class AgentEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private final ManualClock clock = ManualClock.atNoon();
  private final List<LedgerEntry> ledger = new CopyOnWriteArrayList<>();
  private final DirectoryProbe directory = new DirectoryProbe();

  private static final class DirectoryProbe implements DirectoryPublisher {
    final List<AgentProfile> published = new CopyOnWriteArrayList<>();
    final List<String> withdrawn = new CopyOnWriteArrayList<>();

    @Override
    public void publish(AgentProfile profile) {
      published.add(profile);
    }

    @Override
    public void withdraw(String agentId) {
      withdrawn.add(agentId);
    }
  }

  // reads of the test ledger, answered once this completes
  private final AtomicInteger reads = new AtomicInteger();
  private final AtomicLong lastReadFrom = new AtomicLong(-1);
  private volatile CompletableFuture<Void> readsAnswer = CompletableFuture.completedFuture(null);

  private EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> entity(String id) {
    return EventSourcedBehaviorTestKit.create(testKit.system(), behavior(id));
  }

  private Behavior<AgentEntity.Command> behavior(String id) {
    // as the journal: the n-th entry is at position n, which entries written before they carried it get from there
    InboxSource source = (recipient, from) -> {
      List<LedgerEntry> found = new ArrayList<>();
      for (int i = Math.max(0, (int) from - 1); i < ledger.size(); i++) {
        LedgerEntry e = ledger.get(i);
        if (!e.recipientId().equals(recipient)) continue;
        found.add(e.position() == 0 ? e.linked(e.prevHash(), e.hash(), i + 1, 0) : e);
      }
      reads.incrementAndGet();
      lastReadFrom.set(from);
      return readsAnswer.thenApply(open -> found);
    };
    return AgentEntity.create(id,
        new AgentEntity.Settings(100, 50, 500, 10, 20), InboxBudget.unlimited(), source, directory, clock,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1));
  }

  /** An agent entity outside the event-sourced testkit (for what the kit cannot do: stop, fail a write). */
  private ActorRef<AgentEntity.Command> spawnRegistered(String id) {
    ActorRef<AgentEntity.Command> agent = testKit.spawn(behavior(id));
    TestProbe<StatusReply<AgentProfile>> registered = testKit.createTestProbe();
    agent.tell(new AgentEntity.Register("worker", "llm", "t", MaciRole.EXECUTIVE, List.of(), Map.of(),
        registered.getRef()));
    assertTrue(registered.receiveMessage().isSuccess());
    return agent;
  }

  private static String id() {
    return "agent-" + UUID.randomUUID();
  }

  private CommandResultWithReply<AgentEntity.Command, AgentEntity.Event, AgentEntity.State, StatusReply<AgentProfile>>
      register(EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> kit, String tenant) {
    return kit.runCommand(replyTo -> new AgentEntity.Register("worker", "llm", tenant, MaciRole.EXECUTIVE,
        List.of("search"), Map.of("team", "a"), replyTo));
  }

  private LedgerEntry delivered(AgentMessage m, String recipient) {
    return new LedgerEntry(m, recipient, MessageStatus.ACCEPTED, List.of(), 0.1, clock.instant(), "p", "h", 0, 0);
  }

  @Test
  void registersAndPublishesItsProfile() {
    String id = id();
    var kit = entity(id);
    var result = register(kit, "tenant-a");
    assertTrue(result.reply().isSuccess());
    AgentProfile p = result.reply().getValue();
    assertEquals("tenant-a", p.tenantId());
    assertEquals(MaciRole.EXECUTIVE, p.maciRole());
    assertInstanceOf(AgentEntity.Registered.class, result.event());
    assertTrue(directory.published.stream().anyMatch(x -> x.id().equals(id)));
  }

  @Test
  void refusesASecondRegistration() {
    var kit = entity(id());
    register(kit, "t");
    var second = register(kit, "t");
    assertTrue(second.reply().isError());
    assertTrue(second.reply().getError().getMessage().startsWith("agent_already_registered"));
    assertTrue(second.hasNoEvents());
  }

  @Test
  void mergesMetadataAndRecordsHeartbeats() {
    var kit = entity(id());
    register(kit, "t");
    var updated = kit.<StatusReply<AgentProfile>>runCommand(r -> new AgentEntity.UpdateMetadata(Map.of("zone", "eu"), r));
    assertEquals(Map.of("team", "a", "zone", "eu"), updated.reply().getValue().metadata());
    clock.advance(Duration.ofMinutes(1));
    var beat = kit.<StatusReply<AgentProfile>>runCommand(AgentEntity.Heartbeat::new);
    assertEquals(clock.instant(), beat.reply().getValue().lastSeen());
  }

  @Test
  void unregisteringDropsTheRoleAndAllowsANewRegistration() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    var gone = kit.<StatusReply<Done>>runCommand(AgentEntity.Unregister::new);
    assertTrue(gone.reply().isSuccess());
    assertTrue(directory.withdrawn.contains(id));
    var profile = kit.<StatusReply<AgentProfile>>runCommand(AgentEntity.GetProfile::new);
    assertTrue(profile.reply().getError().getMessage().startsWith("agent_not_found"));
    var again = kit.<StatusReply<AgentProfile>>runCommand(r -> new AgentEntity.Register("w", "llm", "t",
        MaciRole.JUDICIAL, List.of(), Map.of(), r));
    assertEquals(MaciRole.JUDICIAL, again.reply().getValue().maciRole());
  }

  @Test
  void refusesCommandsForAnUnregisteredAgent() {
    var kit = entity(id());
    var beat = kit.<StatusReply<AgentProfile>>runCommand(AgentEntity.Heartbeat::new);
    assertTrue(beat.reply().getError().getMessage().startsWith("agent_not_found"));
    assertTrue(beat.hasNoEvents());
  }

  @Test
  void deliversIntoTheInboxAndAcknowledges() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage m = Messages.query("sender", id, "t");
    kit.runCommand(new AgentEntity.Deliver(delivered(m, id)));
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(1, page.reply().getValue().total());
    assertEquals(MessageStatus.DELIVERED, page.reply().getValue().items().get(0).status());

    var ack = kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(m.id(), r));
    assertEquals(MessageStatus.ACKNOWLEDGED, ack.reply().getValue().status());
    assertInstanceOf(AgentEntity.MessageAcknowledged.class, ack.event());

    var unread = kit.<StatusReply<InboxPage>>runCommand(r ->
        new AgentEntity.ReadInbox(new InboxQuery(null, null, true, 1, 50), r));
    assertEquals(0, unread.reply().getValue().total());
    var again = kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(m.id(), r));
    assertTrue(again.hasNoEvents());
  }

  @Test
  void forgetsAnAcknowledgementThatWasNotWritten() {
    String id = id();
    ActorRef<AgentEntity.Command> agent = spawnRegistered(id);
    AgentMessage m = Messages.query("sender", id, "t");
    ledger.add(delivered(m, id));
    agent.tell(new AgentEntity.Deliver(delivered(m, id)));

    // the acknowledgement's event is not written: the entity restarts and recovers from the journal
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    journal.failNextPersisted();
    agent.tell(new AgentEntity.Ack(m.id(), testKit.<StatusReply<InboxItem>>createTestProbe().getRef()));
    TestProbe<StatusReply<InboxPage>> reader = testKit.createTestProbe();
    agent.tell(new AgentEntity.ReadInbox(new InboxQuery(null, null, true, 1, 50), reader.getRef()));
    assertEquals(1, reader.receiveMessage().getValue().total(), "still unread");

    TestProbe<StatusReply<InboxItem>> acker = testKit.createTestProbe();
    agent.tell(new AgentEntity.Ack(m.id(), acker.getRef()));
    assertEquals(MessageStatus.ACKNOWLEDGED, acker.receiveMessage().getValue().status());
    assertTrue(journal.persistedInStorage("Agent|" + id).stream()
        .anyMatch(e -> e instanceof AgentEntity.MessageAcknowledged a && a.messageId().equals(m.id())));
  }

  @Test
  void refusesToAcknowledgeAnUnknownMessage() {
    var kit = entity(id());
    register(kit, "t");
    var ack = kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(UUID.randomUUID(), r));
    assertTrue(ack.reply().getError().getMessage().startsWith("message_not_found"));
  }

  @Test
  void dropsADeliveryFromAnotherTenant() {
    String id = id();
    var kit = entity(id);
    register(kit, "tenant-a");
    kit.runCommand(new AgentEntity.Deliver(delivered(Messages.query("s", id, "tenant-b"), id)));
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(0, page.reply().getValue().total());
  }

  @Test
  void doesNotDeliverAnExpiredMessage() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage q = Messages.query("s", id, "t");
    AgentMessage expired = new AgentMessage(q.id(), q.type(), q.priority(), "s", id, "t", q.payload(), null, null,
        q.constitutionalHash(), q.timestamp(), clock.instant().minusSeconds(1), null, Map.of());
    kit.runCommand(new AgentEntity.Deliver(delivered(expired, id)));
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(0, page.reply().getValue().total());
  }

  @Test
  void deliversAMessageOnceEvenIfItArrivesTwice() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    LedgerEntry e = delivered(Messages.query("s", id, "t"), id);
    kit.runCommand(new AgentEntity.Deliver(e));
    kit.runCommand(new AgentEntity.Deliver(e));
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(1, page.reply().getValue().total());
  }

  @Test
  void acknowledgesAgainAMessageDroppedFromMemoryAfterItsAcknowledgement() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage first = Messages.query("s", id, "t");
    ledger.add(delivered(first, id));
    kit.runCommand(new AgentEntity.Deliver(ledger.get(ledger.size() - 1)));
    assertTrue(kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(first.id(), r)).reply().isSuccess());
    // the inbox keeps 100 messages here: the 101st pushes the acknowledged first one out of memory
    for (int i = 0; i < 100; i++) {
      ledger.add(delivered(Messages.query("s", id, "t"), id));
      kit.runCommand(new AgentEntity.Deliver(ledger.get(ledger.size() - 1)));
    }
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertTrue(page.reply().getValue().items().stream().noneMatch(i -> i.message().id().equals(first.id())));

    var again = kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(first.id(), r));
    assertTrue(again.hasNoEvents());
    assertTrue(again.reply().isSuccess(), () -> String.valueOf(again.reply()));
    assertEquals(first.id(), again.reply().getValue().message().id());
    assertEquals(MessageStatus.ACKNOWLEDGED, again.reply().getValue().status());
  }

  @Test
  void readsTheLedgerOnceForAcksRepeatedWhileItIsRead() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    AgentMessage first = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(recorded(first, id)));
    ack(kit, first.id());
    // the inbox keeps 100 messages here: the 101st pushes the acknowledged first one out of memory
    deliverNew(kit, id, 100);
    readsAnswer = new CompletableFuture<>();
    int before = reads.get();
    TestProbe<StatusReply<InboxItem>> clients = testKit.createTestProbe();
    for (int i = 0; i < 3; i++) kit.runCommand(new AgentEntity.Ack(first.id(), clients.getRef()));
    readsAnswer.complete(null);
    for (int i = 0; i < 3; i++) {
      StatusReply<InboxItem> reply = clients.receiveMessage();
      assertTrue(reply.isSuccess(), reply::toString);
      assertEquals(MessageStatus.ACKNOWLEDGED, reply.getValue().status());
    }
    assertEquals(1, reads.get() - before);
  }

  @Test
  void recordsWhereItsRebuildStartsAtItsFirstDeliveryWithoutAcknowledging() {
    String id = id();
    ActorRef<AgentEntity.Command> agent = spawnRegistered(id);
    // the partition's history before the agent's first message
    for (int i = 0; i < 5; i++) recorded(Messages.query("s", "someone-else", "t"), "someone-else");
    AgentMessage m = Messages.query("s", id, "t");
    agent.tell(new AgentEntity.Deliver(recorded(m, id)));

    agent.tell(new AgentEntity.Deliver(recorded(Messages.query("s", id, "t"), id)));
    TestProbe<StatusReply<AgentProfile>> profile = testKit.createTestProbe();
    agent.tell(new AgentEntity.GetProfile(profile.getRef())); // answered once the deliveries are handled
    assertTrue(profile.receiveMessage().isSuccess());
    testKit.stop(agent);
    List<Object> events = PersistenceTestKit.create(testKit.system()).persistedInStorage("Agent|" + id);
    assertEquals(List.of(AgentEntity.Registered.class, AgentEntity.InboxCheckpointed.class),
        events.stream().map(Object::getClass).toList(), "recorded once");
    assertEquals(new AgentEntity.InboxCheckpointed(6, 1, null, null).content(),
        ((AgentEntity.Event) events.get(1)).content());

    ActorRef<AgentEntity.Command> again = testKit.spawn(behavior(id));
    TestProbe<StatusReply<InboxPage>> reader = testKit.createTestProbe();
    again.tell(new AgentEntity.ReadInbox(UNREAD, reader.getRef()));
    assertEquals(m.id(), reader.receiveMessage().getValue().items().get(0).message().id());
    assertEquals(6, lastReadFrom.get(), "the rebuild reads from the agent's first message on");
  }

  @Test
  void rebuildsItsInboxFromTheLedgerAfterARestart() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage first = Messages.query("s", id, "t");
    AgentMessage second = Messages.query("s", id, "t");
    ledger.add(delivered(first, id));
    ledger.add(delivered(second, id));
    kit.runCommand(new AgentEntity.Deliver(ledger.get(0)));
    kit.runCommand(new AgentEntity.Deliver(ledger.get(1)));
    kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(first.id(), r));

    var restarted = kit.restart();
    assertEquals(id, restarted.state().profile().id());
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    List<InboxItem> items = page.reply().getValue().items();
    assertEquals(List.of(first.id(), second.id()), items.stream().map(i -> i.message().id()).toList());
    assertEquals(MessageStatus.ACKNOWLEDGED, items.get(0).status());
    assertEquals(MessageStatus.DELIVERED, items.get(1).status());
  }

  /** Records a message in the test ledger as the partition would: at the next position, numbered for its recipient. */
  private LedgerEntry recorded(AgentMessage m, String recipient) {
    long seq = ledger.stream().filter(e -> e.recipientId().equals(recipient)).count() + 1;
    LedgerEntry e = delivered(m, recipient).linked("p", "h", ledger.size() + 1, seq);
    ledger.add(e);
    return e;
  }

  private static void ack(
      EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> kit, UUID messageId) {
    assertTrue(kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(messageId, r)).reply().isSuccess());
  }

  /** A registered agent whose inbox was read once (so the cursor follows every delivery). */
  private EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State>
      registeredWithItsInboxLoaded(String id) {
    var kit = entity(id);
    register(kit, "t");
    inbox(kit, UNREAD);
    return kit;
  }

  /** Records and delivers this many new messages from "s"; answers their ids, in order. */
  private List<UUID> deliverNew(
      EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> kit, String id,
      int count) {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      AgentMessage m = Messages.query("s", id, "t");
      ids.add(m.id());
      kit.runCommand(new AgentEntity.Deliver(recorded(m, id)));
    }
    return ids;
  }

  private static final InboxQuery UNREAD = new InboxQuery(null, null, true, 1, 500);

  private List<UUID> inbox(
      EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> kit, InboxQuery q) {
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(q, r));
    return page.reply().getValue().items().stream().map(i -> i.message().id()).toList();
  }

  @Test
  void keepsMessagesAcknowledgedBeyondTheAcknowledgedIdWindowAcknowledgedAfterARestart() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    // 1 to 4 wait; 5 to 150 are acknowledged as they come; then 1 to 4. The state keeps the last 100 ids (55
    // to 150 and 1 to 4), and the rebuild reads from message 1 on, the oldest of the last 10 acknowledged.
    List<UUID> waiting = deliverNew(kit, id, 4);
    for (int i = 4; i < 150; i++) ack(kit, deliverNew(kit, id, 1).get(0));
    for (UUID m : waiting) ack(kit, m);
    assertEquals(1, kit.getState().inboxFrom());

    kit.restart();
    assertEquals(151, kit.getState().finishedBelow());
    assertEquals(List.of(), inbox(kit, UNREAD), "none comes back unread");
    assertEquals(100, inbox(kit, new InboxQuery(null, null, false, 1, 500)).size(), "the inbox keeps 100");
  }

  @Test
  void startsFromASnapshotWithItsAcknowledgementsAndRebuildPoint() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    List<UUID> sent = deliverNew(kit, id, 45);
    for (int i = 0; i < 40; i++) ack(kit, sent.get(i));
    AgentEntity.State before = kit.getState();
    // 41 events: snapshots after 20 and 40 (snapshot-every here)
    var snapshots = SnapshotTestKit.create(testKit.system()).persistedInStorage("Agent|" + id);
    assertEquals(List.of(20L, 40L), snapshots.stream().map(p -> p.first().sequenceNr()).toList());

    kit.restart();
    AgentEntity.State after = kit.getState();
    assertEquals(before.acked(), after.acked());
    assertEquals(41, after.finishedBelow());
    assertEquals(before.inboxFrom(), after.inboxFrom());
    assertEquals(sent.subList(40, 45), inbox(kit, UNREAD));
  }

  @Test
  void keepsAnUnacknowledgedMessageWrittenBeforeTheLedgerNumberedThem() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage old = Messages.query("s", id, "t");
    ledger.add(delivered(old, id)); // unnumbered, without position: written by an earlier version
    kit.runCommand(new AgentEntity.Deliver(ledger.get(ledger.size() - 1)));
    kit.restart(); // the upgrade
    assertEquals(List.of(old.id()), inbox(kit, UNREAD));
    // the ledger numbers from 1 what it writes after the upgrade
    AgentMessage fresh = Messages.query("s", id, "t");
    LedgerEntry numbered = delivered(fresh, id).linked("p", "h", ledger.size() + 1, 1);
    ledger.add(numbered);
    kit.runCommand(new AgentEntity.Deliver(numbered));
    ack(kit, fresh.id());
    assertEquals(2, kit.getState().finishedBelow());
    kit.restart();
    assertEquals(List.of(old.id()), inbox(kit, UNREAD), "the old unacknowledged message is still unread");
  }

  @Test
  void keepsTheUnreadMessagesOfAnAgentThatRegistersAgain() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    AgentMessage first = Messages.query("s", id, "t");
    AgentMessage second = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(recorded(first, id)));
    kit.runCommand(new AgentEntity.Deliver(recorded(second, id)));
    assertTrue(kit.<StatusReply<Done>>runCommand(AgentEntity.Unregister::new).reply().isSuccess());
    kit.restart();
    TestProbe<InboxItem> subscriber = testKit.createTestProbe();
    kit.runCommand(new AgentEntity.Subscribe(subscriber.getRef())); // a rebuild while unregistered
    register(kit, "t");
    assertEquals(List.of(first.id(), second.id()), inbox(kit, UNREAD), "shown again once registered");
    AgentMessage third = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(recorded(third, id)));
    ack(kit, third.id());
    kit.restart();
    assertEquals(List.of(first.id(), second.id()), inbox(kit, UNREAD), "never acknowledged");
  }

  @Test
  void rebuildsItsInboxFromTheOldestUnacknowledgedMessage() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    List<UUID> sent = deliverNew(kit, id, 30);
    // 2 and 3 acknowledged: 1 still waits, and so does the rebuild
    for (int i : new int[] {1, 2}) ack(kit, sent.get(i));
    assertEquals(1, kit.getState().finishedBelow());
    assertEquals(1, kit.getState().inboxFrom());
    // then 1 and the rest up to 20
    ack(kit, sent.get(0));
    for (int i = 3; i < 20; i++) ack(kit, sent.get(i));
    assertEquals(21, kit.getState().finishedBelow());
    // it starts at the oldest of the last 10 acknowledged (11, at position 11), which it shows again
    assertEquals(11, kit.getState().inboxFrom());

    kit.restart();
    assertEquals(sent.subList(20, 30), inbox(kit, UNREAD));
    assertEquals(sent.subList(10, 30), inbox(kit, InboxQuery.all()));
  }

  @Test
  void neverSkipsAMessageWhoseDeliveryWasLost() {
    String id = id();
    var kit = registeredWithItsInboxLoaded(id);
    AgentMessage first = Messages.query("s", id, "t");
    AgentMessage lost = Messages.query("s", id, "t");
    AgentMessage third = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(recorded(first, id)));
    recorded(lost, id); // written, its delivery lost on the way
    kit.runCommand(new AgentEntity.Deliver(recorded(third, id)));
    ack(kit, first.id());
    ack(kit, third.id());
    assertEquals(2, kit.getState().finishedBelow(), "stops at the number it never saw");

    kit.restart();
    assertEquals(List.of(lost.id()), inbox(kit, UNREAD));
  }

  @Test
  void pushesUnacknowledgedThenNewDeliveriesToASubscriber() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage before = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(delivered(before, id)));
    TestProbe<InboxItem> subscriber = testKit.createTestProbe();
    kit.runCommand(new AgentEntity.Subscribe(subscriber.getRef()));
    assertEquals(before.id(), subscriber.receiveMessage().message().id());
    AgentMessage after = Messages.query("s", id, "t");
    kit.runCommand(new AgentEntity.Deliver(delivered(after, id)));
    assertEquals(after.id(), subscriber.receiveMessage().message().id());
  }

  @Test
  void answersTheSenderForTheLedgerOnceItHoldsTheMessage() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage m = Messages.query("s", id, "t");
    TestProbe<LedgerPartition.Appended> sender = testKit.createTestProbe();
    var answer = answerFor(m, id);
    kit.runCommand(new AgentEntity.Deliver(delivered(m, id), List.of(new LedgerPartition.Answer(sender.getRef(), answer))));
    assertEquals(answer, sender.receiveMessage());
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(1, page.reply().getValue().total());
  }

  @Test
  void answersEvenForADeliveryItRefusesSoNoSenderWaitsInVain() {
    String id = id();
    var kit = entity(id);
    register(kit, "tenant-a");
    AgentMessage m = Messages.query("s", id, "tenant-b");
    TestProbe<LedgerPartition.Appended> sender = testKit.createTestProbe();
    var answer = answerFor(m, id);
    kit.runCommand(new AgentEntity.Deliver(delivered(m, id), List.of(new LedgerPartition.Answer(sender.getRef(), answer))));
    assertEquals(answer, sender.receiveMessage());
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    assertEquals(0, page.reply().getValue().total());
  }

  @Test
  void givesBackEveryFieldOfAMessageItKeptEncoded() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    AgentMessage m = new AgentMessage(UUID.randomUUID(), MessageType.TASK_REQUEST, Priority.HIGH, "s", id, "t",
        Messages.json("{\"task\":{\"steps\":[1,2.5,\"three\",null,true]},\"note\":\"ünïcode\"}"), "conv-1",
        "corr-1", Messages.HASH, Instant.parse("2026-01-15T12:00:00.123456789Z"), clock.instant().plusSeconds(3600),
        "idem-1", Map.of("k", "v"));
    kit.runCommand(new AgentEntity.Deliver(delivered(m, id)));
    var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
    InboxItem item = page.reply().getValue().items().get(0);
    assertEquals(m, item.message());
    assertEquals(MessageStatus.DELIVERED, item.status());
  }

  private static LedgerPartition.Appended answerFor(AgentMessage m, String recipient) {
    return new LedgerPartition.Appended(new LedgerPartition.Outcome(
        m.id(), recipient, MessageStatus.ACCEPTED, List.of(), 0.1, "h"), false);
  }

  @Test
  void stopsPushingAfterUnsubscribe() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    TestProbe<InboxItem> subscriber = testKit.createTestProbe();
    kit.runCommand(new AgentEntity.Subscribe(subscriber.getRef()));
    kit.runCommand(new AgentEntity.Unsubscribe(subscriber.getRef()));
    kit.runCommand(new AgentEntity.Deliver(delivered(Messages.query("s", id, "t"), id)));
    subscriber.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void republishesItsProfileWhenWokenAfterARestart() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    directory.published.clear();
    kit.restart();
    var woken = kit.<Done>runCommand(AgentEntity.Wake::new);
    assertTrue(woken.hasNoEvents());
    assertEquals(Done.getInstance(), woken.reply());
    assertTrue(directory.published.stream().anyMatch(p -> p.id().equals(id)));
  }

  @Test
  void filtersTheInboxByTypeAndUnreadAndPagesIt() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    for (int i = 0; i < 5; i++) kit.runCommand(new AgentEntity.Deliver(delivered(Messages.query("s", id, "t"), id)));
    AgentMessage event = Messages.message(dev.agentbus.actors.model.MessageType.EVENT, "s", id, "t", "{\"e\":1}");
    kit.runCommand(new AgentEntity.Deliver(delivered(event, id)));
    var events = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(
        new InboxQuery(dev.agentbus.actors.model.MessageType.EVENT, null, false, 1, 50), r));
    assertEquals(1, events.reply().getValue().total());
    var second = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(
        new InboxQuery(null, null, false, 2, 4), r));
    assertEquals(6, second.reply().getValue().total());
    assertEquals(2, second.reply().getValue().items().size());
  }

  @Test
  void chainsEveryEventAndReportsATamperedOneAtItsSequenceNumber() {
    String id = id();
    var kit = entity(id);
    List<AgentEntity.Event> events = new ArrayList<>();
    events.add(register(kit, "t").event());
    events.add(kit.<StatusReply<AgentProfile>>runCommand(AgentEntity.Heartbeat::new).event());
    events.add(kit.<StatusReply<AgentProfile>>runCommand(r -> new AgentEntity.UpdateMetadata(Map.of("k", "v"), r))
        .event());
    events.add(kit.<StatusReply<AgentProfile>>runCommand(AgentEntity.Heartbeat::new).event());
    String pid = "Agent|" + id;

    List<ChainVerifier.StreamEvent> stream = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) stream.add(new ChainVerifier.StreamEvent(i + 1, List.of(events.get(i))));
    assertTrue(ChainVerifier.verify(pid, stream).intact());

    var original = (AgentEntity.MetadataUpdated) events.get(2);
    var tampered = new AgentEntity.MetadataUpdated(Map.of("k", "forged"), original.at(), original.prevHash(),
        original.hash());
    stream.set(2, new ChainVerifier.StreamEvent(3, List.of(tampered)));
    ChainVerifier.Report report = ChainVerifier.verify(pid, stream);
    assertFalse(report.intact());
    assertEquals(3L, report.firstBrokenSequenceNr().orElseThrow());

    stream.remove(2); // a deleted event is a gap
    assertEquals(3L, ChainVerifier.verify(pid, stream).firstBrokenSequenceNr().orElseThrow());
  }

  @Test
  void keepsItsStateAcrossARestart() {
    String id = id();
    var kit = entity(id);
    register(kit, "t");
    kit.<StatusReply<AgentProfile>>runCommand(r -> new AgentEntity.UpdateMetadata(Map.of("k", "v"), r));
    var restarted = kit.restart();
    assertEquals("v", restarted.state().profile().metadata().get("k"));
    assertEquals(Instant.parse("2026-01-15T12:00:00Z"), restarted.state().profile().registeredAt());
  }
}
