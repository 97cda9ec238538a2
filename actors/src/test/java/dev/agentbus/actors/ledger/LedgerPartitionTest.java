package dev.agentbus.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class LedgerPartitionTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private final List<LedgerEntry> delivered = new CopyOnWriteArrayList<>();

  private EventSourcedBehaviorTestKit<LedgerPartition.Command, LedgerPartition.Event, LedgerPartition.State> ledger(
      String id) {
    return EventSourcedBehaviorTestKit.create(testKit.system(), LedgerPartition.create(id,
        new LedgerPartition.Settings(256, 1000, 100, 1000), (e, answers) -> {
          delivered.add(e);
          answers.forEach(LedgerPartition.Answer::send);
        },
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1)));
  }

  private static LedgerEntry entry(AgentMessage m, MessageStatus status) {
    return LedgerEntry.unlinked(m, m.targetAgentId(), status, List.of(), 0.1, Instant.parse("2026-01-15T12:00:00Z"));
  }

  @Test
  void writesAnAcceptedEntryThenHandsItToTheRecipient() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    AgentMessage m = Messages.query("a", "b", "t");
    kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
    LedgerPartition.Appended appended = caller.receiveMessage();
    assertEquals(MessageStatus.ACCEPTED, appended.outcome().status());
    assertFalse(appended.duplicate());
    assertTrue(delivered.stream().anyMatch(e -> e.message().id().equals(m.id())));
  }

  @Test
  void numbersEachRecipientsMessagesWithoutGapsAcrossARestart() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    List<AgentMessage> sent = List.of(Messages.query("a", "b", "t"), Messages.query("a", "c", "t"),
        Messages.query("a", "b", "t"));
    for (AgentMessage m : sent) {
      kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
      caller.receiveMessage();
    }
    // a rejection is not numbered, and does not take a number
    kit.runCommand(new LedgerPartition.Append(entry(Messages.query("a", "b", "t"), MessageStatus.REJECTED),
        caller.getRef()));
    caller.receiveMessage();
    kit.restart();
    AgentMessage fourth = Messages.query("a", "b", "t");
    kit.runCommand(new LedgerPartition.Append(entry(fourth, MessageStatus.ACCEPTED), caller.getRef()));
    caller.receiveMessage();

    assertEquals(List.of(1L, 1L, 2L, 3L), delivered.stream().map(LedgerEntry::recipientSeq).toList());
    assertEquals(List.of("b", "c", "b", "b"), delivered.stream().map(LedgerEntry::recipientId).toList());
    List<Long> positions = delivered.stream().map(LedgerEntry::position).toList();
    assertEquals(List.of(1L, 2L, 3L, 5L), positions, "each entry knows its batch's sequence number");
    assertEquals(Map.of("b", 3L, "c", 1L), kit.getState().deliveredTo());
  }

  @Test
  void answersAWakeOnceRecovered() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    kit.runCommand(new LedgerPartition.Append(entry(Messages.query("a", "b", "t"), MessageStatus.ACCEPTED),
        caller.getRef()));
    caller.receiveMessage();
    kit.restart();
    var woken = kit.<Done>runCommand(LedgerPartition.Wake::new);
    assertTrue(woken.hasNoEvents());
    assertEquals(Done.getInstance(), woken.reply());
  }

  @Test
  void recordsARejectionWithItsReasonsAndDeliversNothing() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    AgentMessage m = Messages.query("a", "b", "t");
    LedgerEntry rejected = LedgerEntry.unlinked(m, "b", MessageStatus.REJECTED,
        List.of(new Reason("constitutional_hash_mismatch", "mismatch")), 0.0, Instant.now());
    kit.runCommand(new LedgerPartition.Append(rejected, caller.getRef()));
    assertEquals("constitutional_hash_mismatch", caller.receiveMessage().outcome().reasons().get(0).code());
    assertTrue(delivered.stream().noneMatch(e -> e.message().id().equals(m.id())));
  }

  @Test
  void answersADuplicateIdWithTheFirstResultAndWritesOnce() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    AgentMessage m = Messages.query("a", "b", "t");
    kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
    caller.receiveMessage();
    var second = kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
    assertTrue(caller.receiveMessage().duplicate());
    assertTrue(second.hasNoEvents());
    assertEquals(1, delivered.stream().filter(e -> e.message().id().equals(m.id())).count());
  }

  @Test
  void answersAReusedIdempotencyKeyWithTheFirstResult() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    AgentMessage q = Messages.query("a", "b", "t");
    AgentMessage first = withKey(q, UUID.randomUUID(), "key-1");
    AgentMessage retry = withKey(q, UUID.randomUUID(), "key-1");
    kit.runCommand(new LedgerPartition.Append(entry(first, MessageStatus.ACCEPTED), caller.getRef()));
    caller.receiveMessage();
    kit.runCommand(new LedgerPartition.Append(entry(retry, MessageStatus.ACCEPTED), caller.getRef()));
    LedgerPartition.Appended again = caller.receiveMessage();
    assertTrue(again.duplicate());
    assertEquals(first.id(), again.outcome().messageId());
  }

  @Test
  void snapshotsWhenABatchPassesAMultipleOfTheEntryBound() {
    assertFalse(LedgerPartition.crossedMultiple(99, 99, 100), "99 entries so far");
    assertTrue(LedgerPartition.crossedMultiple(100, 1, 100), "the 100th entry");
    assertTrue(LedgerPartition.crossedMultiple(116, 17, 100), "a batch from 99 to 116");
    assertFalse(LedgerPartition.crossedMultiple(199, 83, 100), "116 to 199");
    assertTrue(LedgerPartition.crossedMultiple(456, 256, 100), "a big batch passing two multiples, once");
    assertFalse(LedgerPartition.crossedMultiple(100, 0, 100), "an empty batch");
  }

  @Test
  void aSnapshotIsACopyThatLaterBatchesDoNotChange() {
    LedgerPartition.State state = LedgerPartition.State.empty();
    LedgerPartition.Outcome first = new LedgerPartition.Outcome(
        UUID.randomUUID(), "b", MessageStatus.ACCEPTED, List.of(), 0.1, "h1");
    state.recent().put("m:" + first.messageId() + ":b", first);
    LedgerPartition.State snapshot = (LedgerPartition.State) LedgerPartition.SNAPSHOT_COPY.toJournal(state);
    // the next batch adds to the live window while the snapshot store may still be serializing
    state.recent().put("m:" + UUID.randomUUID() + ":b", first);
    assertEquals(1, snapshot.recent().size());
    assertEquals(first, snapshot.recent().get("m:" + first.messageId() + ":b"));
    assertEquals(state.lastHash(), snapshot.lastHash());
    assertEquals(snapshot, LedgerPartition.SNAPSHOT_COPY.fromJournal(snapshot));
  }

  @Test
  void remembersWrittenIdsAfterARestart() {
    var kit = ledger("p-" + UUID.randomUUID());
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    AgentMessage m = Messages.query("a", "b", "t");
    kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
    caller.receiveMessage();
    kit.restart();
    kit.runCommand(new LedgerPartition.Append(entry(m, MessageStatus.ACCEPTED), caller.getRef()));
    assertTrue(caller.receiveMessage().duplicate());
  }

  @Test
  void chainsEveryEntryAcrossBatches() {
    String id = "p-" + UUID.randomUUID();
    var kit = ledger(id);
    TestProbe<LedgerPartition.Appended> caller = testKit.createTestProbe();
    for (int i = 0; i < 3; i++) {
      kit.runCommand(new LedgerPartition.Append(
          entry(Messages.query("a", "b", "t"), MessageStatus.ACCEPTED), caller.getRef()));
      caller.receiveMessage();
    }
    String pid = "Ledger|" + id;
    List<Object> events = PersistenceTestKit.create(testKit.system()).persistedInStorage(pid);
    List<ChainVerifier.StreamEvent> stream = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      stream.add(new ChainVerifier.StreamEvent(i + 1, ((LedgerPartition.BatchWritten) events.get(i)).entries()));
    }
    assertEquals(3, stream.stream().mapToInt(e -> e.records().size()).sum());
    assertTrue(ChainVerifier.verify(pid, stream).intact());

    LedgerEntry original = (LedgerEntry) stream.get(1).records().get(0);
    LedgerEntry forged = new LedgerEntry(original.message().withTarget("mallory"), original.recipientId(),
        original.status(), original.reasons(), original.impactScore(), original.recordedAt(), original.prevHash(),
        original.hash(), original.position(), original.recipientSeq());
    stream.set(1, new ChainVerifier.StreamEvent(2, List.of(forged)));
    assertEquals(2L, ChainVerifier.verify(pid, stream).firstBrokenSequenceNr().orElseThrow());
  }

  private static AgentMessage withKey(AgentMessage m, UUID id, String key) {
    return new AgentMessage(id, m.type(), m.priority(), m.sourceAgentId(), m.targetAgentId(), m.tenantId(),
        m.payload(), null, null, m.constitutionalHash(), m.timestamp(), null, key, Map.of());
  }
}
