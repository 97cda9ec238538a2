package dev.agentbus.actors.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.ManualClock;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The node's inbox budget as the agent entities keep it: what they hold is counted once and given back,
 * acknowledged messages go first when the node is over it, and unacknowledged ones are never dropped for it.
 */
class InboxBudgetTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  // Each held message costs one ENTRY plus its encoded bytes (a few hundred), so a budget of 2.5 entries
  // has room for two messages and is over it with three.
  private static final long ENTRY = 1 << 20;
  private static final long ROOM_FOR_TWO = 5 * ENTRY / 2;

  private final ManualClock clock = ManualClock.atNoon();
  private final List<LedgerEntry> ledger = new CopyOnWriteArrayList<>();

  private static final DirectoryPublisher NO_DIRECTORY = new DirectoryPublisher() {
    @Override
    public void publish(AgentProfile profile) {}

    @Override
    public void withdraw(String agentId) {}
  };

  private Behavior<AgentEntity.Command> agent(String id, InboxBudget budget) {
    InboxSource source = (recipient, from) -> CompletableFuture.completedFuture(
        ledger.stream().filter(e -> e.recipientId().equals(recipient) && e.position() >= from).toList());
    return AgentEntity.create(id, new AgentEntity.Settings(100, 50, 500, 10, 20), budget, source, NO_DIRECTORY, clock,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1));
  }

  /** A registered agent under the event-sourced testkit, with the ledger its inbox is rebuilt from. */
  private final class Agent {
    final String id = id();
    final EventSourcedBehaviorTestKit<AgentEntity.Command, AgentEntity.Event, AgentEntity.State> kit;

    Agent(InboxBudget budget) {
      kit = EventSourcedBehaviorTestKit.create(testKit.system(), agent(id, budget));
      kit.<StatusReply<AgentProfile>>runCommand(r -> new AgentEntity.Register("worker", "llm", "t",
          MaciRole.EXECUTIVE, List.of(), Map.of(), r));
    }

    /** A message recorded in the ledger and delivered. */
    AgentMessage deliver() {
      AgentMessage m = Messages.query("sender", id, "t");
      LedgerEntry entry = new LedgerEntry(m, id, MessageStatus.ACCEPTED, List.of(), 0.1, clock.instant(), "p", "h", 0, 0);
      ledger.add(entry);
      kit.runCommand(new AgentEntity.Deliver(entry));
      return m;
    }

    StatusReply<InboxItem> ack(AgentMessage m) {
      return kit.<StatusReply<InboxItem>>runCommand(r -> new AgentEntity.Ack(m.id(), r)).reply();
    }

    List<UUID> inbox() {
      var page = kit.<StatusReply<InboxPage>>runCommand(r -> new AgentEntity.ReadInbox(InboxQuery.all(), r));
      return page.reply().getValue().items().stream().map(i -> i.message().id()).toList();
    }
  }

  private static String id() {
    return "agent-" + UUID.randomUUID();
  }

  @Test
  void countsEveryHeldMessageAndMovesItOutOfUnacknowledgedWhenAcknowledged() {
    InboxBudget budget = InboxBudget.of(Long.MAX_VALUE, ENTRY);
    var agent = new Agent(budget);
    AgentMessage first = agent.deliver();
    agent.deliver();
    long two = budget.heldBytes();
    assertTrue(two > 2 * ENTRY && two < 3 * ENTRY, "two entries and their bytes: " + two);
    assertEquals(two, budget.unacknowledgedBytes());

    agent.ack(first);
    assertEquals(two, budget.heldBytes(), "under the budget an acknowledged message stays");
    assertEquals(two / 2, budget.unacknowledgedBytes());
    agent.ack(first);
    assertEquals(two / 2, budget.unacknowledgedBytes(), "a repeated ack counts once");
  }

  /** An entity spawned as sharding would, registered, with {@code messages} delivered and held. */
  private ActorRef<AgentEntity.Command> spawnedWith(String id, InboxBudget budget, List<AgentMessage> messages) {
    ActorRef<AgentEntity.Command> agent = testKit.spawn(agent(id, budget));
    TestProbe<StatusReply<AgentProfile>> registered = testKit.createTestProbe();
    agent.tell(new AgentEntity.Register("worker", "llm", "t", MaciRole.EXECUTIVE, List.of(), Map.of(),
        registered.getRef()));
    assertTrue(registered.receiveMessage().isSuccess());
    TestProbe<LedgerPartition.Appended> sender = testKit.createTestProbe();
    for (AgentMessage m : messages) {
      var answer = new LedgerPartition.Appended(
          new LedgerPartition.Outcome(m.id(), id, MessageStatus.ACCEPTED, List.of(), 0.1, "h"), false);
      LedgerEntry entry = new LedgerEntry(m, id, MessageStatus.ACCEPTED, List.of(), 0.1, clock.instant(), "p", "h", 0, 0);
      ledger.add(entry);
      agent.tell(new AgentEntity.Deliver(entry, List.of(new LedgerPartition.Answer(sender.getRef(), answer))));
      sender.receiveMessage(); // answered once the inbox holds it
    }
    return agent;
  }

  @Test
  void passivatedAgentGivesBackItsBudget() {
    InboxBudget budget = InboxBudget.of(Long.MAX_VALUE, ENTRY);
    String id = id();
    ActorRef<AgentEntity.Command> agent = spawnedWith(id, budget,
        List.of(Messages.query("s", id, "t"), Messages.query("s", id, "t"), Messages.query("s", id, "t")));
    assertTrue(budget.heldBytes() > 3 * ENTRY);

    testKit.stop(agent);
    assertEquals(0, budget.heldBytes());
    assertEquals(0, budget.unacknowledgedBytes());
  }

  @Test
  void restartAfterAJournalFailureRebuildsItsInboxAndCountsItOnce() {
    InboxBudget budget = InboxBudget.of(Long.MAX_VALUE, ENTRY);
    String id = id();
    AgentMessage first = Messages.query("s", id, "t");
    ActorRef<AgentEntity.Command> agent = spawnedWith(id, budget, List.of(first, Messages.query("s", id, "t")));
    long two = budget.heldBytes();
    // recorded, its delivery lost: only a rebuild from the ledger shows it
    ledger.add(new LedgerEntry(Messages.query("s", id, "t"), id, MessageStatus.ACCEPTED, List.of(), 0.1,
        clock.instant(), "p", "h", 0, 0));

    // an event is not written: the entity restarts (with backoff) inside the same incarnation
    PersistenceTestKit.create(testKit.system()).failNextPersisted();
    agent.tell(new AgentEntity.Heartbeat(testKit.<StatusReply<AgentProfile>>createTestProbe().getRef()));
    TestProbe<StatusReply<InboxPage>> reader = testKit.createTestProbe();
    agent.tell(new AgentEntity.ReadInbox(InboxQuery.all(), reader.getRef()));
    assertEquals(3, reader.receiveMessage().getValue().total());
    assertEquals(3 * two / 2, budget.heldBytes());
    assertEquals(3 * two / 2, budget.unacknowledgedBytes());

    TestProbe<StatusReply<InboxItem>> acker = testKit.createTestProbe();
    agent.tell(new AgentEntity.Ack(first.id(), acker.getRef()));
    assertTrue(acker.receiveMessage().isSuccess());
    assertEquals(two, budget.unacknowledgedBytes());
    testKit.stop(agent);
    assertEquals(0, budget.heldBytes());
  }

  @Test
  void anUnreadMessageThatExpiredGivesItsBudgetBackWhenTheInboxIsRead() {
    InboxBudget budget = InboxBudget.of(Long.MAX_VALUE, ENTRY);
    var agent = new Agent(budget);
    AgentMessage q = Messages.query("sender", agent.id, "t");
    AgentMessage expiring = new AgentMessage(q.id(), q.type(), q.priority(), "sender", agent.id, "t", q.payload(),
        null, null, q.constitutionalHash(), q.timestamp(), clock.instant().plusSeconds(60), null, Map.of());
    LedgerEntry entry = new LedgerEntry(expiring, agent.id, MessageStatus.ACCEPTED, List.of(), 0.1, clock.instant(),
        "p", "h", 0, 0);
    ledger.add(entry);
    agent.kit.runCommand(new AgentEntity.Deliver(entry));
    assertTrue(budget.unacknowledgedBytes() > 0);

    clock.advance(Duration.ofMinutes(2));
    assertEquals(List.of(), agent.inbox());
    assertEquals(0, budget.unacknowledgedBytes());
    assertEquals(0, budget.heldBytes());
  }

  @Test
  void restartedAgentCountsItsRebuiltInboxOnce() {
    InboxBudget budget = InboxBudget.of(Long.MAX_VALUE, ENTRY);
    var agent = new Agent(budget);
    List<AgentMessage> sent = List.of(agent.deliver(), agent.deliver());
    agent.ack(sent.get(0));
    long held = budget.heldBytes();
    long unacknowledged = budget.unacknowledgedBytes();

    agent.kit.restart();
    assertEquals(sent.stream().map(AgentMessage::id).toList(), agent.inbox(), "rebuilt from the ledger");
    assertEquals(held, budget.heldBytes());
    assertEquals(unacknowledged, budget.unacknowledgedBytes());
  }

  @Test
  void dropsAcknowledgedMessagesFirstWhenTheNodeIsOverBudget() {
    InboxBudget budget = InboxBudget.of(ROOM_FOR_TWO, ENTRY);
    var agent = new Agent(budget);
    AgentMessage first = agent.deliver();
    AgentMessage second = agent.deliver();
    agent.ack(first);
    assertFalse(budget.overBudget());

    AgentMessage third = agent.deliver();
    assertEquals(List.of(second.id(), third.id()), agent.inbox(), "the acknowledged one went, in the ledger still");
    assertFalse(budget.overBudget());

    AgentMessage fourth = agent.deliver();
    assertEquals(List.of(second.id(), third.id(), fourth.id()), agent.inbox(), "unacknowledged ones all stay");
    assertTrue(budget.overBudget());
    assertTrue(budget.full(), "unacknowledged messages alone fill the budget");
  }

  @Test
  void answersARepeatedAckBeforeAndAfterTheMessageLeavesMemory() {
    InboxBudget budget = InboxBudget.of(ROOM_FOR_TWO, ENTRY);
    var agent = new Agent(budget);
    List<AgentMessage> sent = List.of(agent.deliver(), agent.deliver(), agent.deliver());
    assertTrue(budget.overBudget());

    agent.ack(sent.get(0));
    assertEquals(MessageStatus.ACKNOWLEDGED, agent.ack(sent.get(0)).getValue().status());
    agent.ack(sent.get(1));
    assertEquals(List.of(sent.get(1).id(), sent.get(2).id()), agent.inbox(), "the older acknowledged one went");
    // no longer held: answered from the ledger, and not taken back into memory
    assertEquals(MessageStatus.ACKNOWLEDGED, agent.ack(sent.get(0)).getValue().status());
    assertEquals(List.of(sent.get(1).id(), sent.get(2).id()), agent.inbox());
    assertFalse(budget.full());
  }

  @Test
  void anInboxDropsOnlyItsOwnAcknowledgedMessages() {
    InboxBudget budget = InboxBudget.of(ROOM_FOR_TWO, ENTRY);
    var idle = new Agent(budget);
    AgentMessage read = idle.deliver();
    idle.ack(read);
    var busy = new Agent(budget);
    busy.deliver();
    busy.deliver();

    assertTrue(budget.overBudget());
    assertEquals(List.of(read.id()), idle.inbox(), "the idle inbox drops its own when it next adds or acknowledges");
    AgentMessage next = idle.deliver();
    assertEquals(List.of(next.id()), idle.inbox());
  }

  @Test
  void rebuildingAnInboxOverBudgetLeavesItsAcknowledgedMessagesInTheLedger() {
    InboxBudget budget = InboxBudget.of(ROOM_FOR_TWO, ENTRY);
    var agent = new Agent(budget);
    List<AgentMessage> sent = List.of(agent.deliver(), agent.deliver(), agent.deliver());
    agent.ack(sent.get(0));
    agent.ack(sent.get(1));
    List<UUID> held = List.of(sent.get(1).id(), sent.get(2).id());
    assertEquals(held, agent.inbox());

    agent.kit.restart();
    assertEquals(held, agent.inbox(), "the oldest acknowledged one is not held again");
    assertFalse(budget.overBudget());
  }
}
