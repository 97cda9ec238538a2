package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.BusException;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.ManualClock;
import dev.agentbus.actors.support.Messages;
import dev.agentbus.actors.support.TestConfigs;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Held messages end to end on one node (in-memory journal): the send, the deliberation, the votes and
 * human decisions, and the outcome through the ledger into inboxes. Each test has its own tenant; the
 * queue holds 2 deliberations per tenant here.
 */
class DeliberationFlowTest {

  private static final ActorTestKit testKit = ActorTestKit.create("DeliberationFlow",
      ConfigFactory.parseString("agentbus.deliberation.queue.capacity = 2")
          .withFallback(TestConfigs.singleNodeCluster()));
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static AgentBus bus;

  @BeforeAll
  static void joinItself() {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    bus = AgentBus.get(testKit.system());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
  }

  private static String refusal(CompletionStage<?> stage) {
    try {
      await(stage);
    } catch (CompletionException e) {
      return assertInstanceOf(BusException.class, e.getCause()).code();
    }
    throw new AssertionError("expected a refusal");
  }

  private static String agent(String tenant, MaciRole role, String... capabilities) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, role, List.of(capabilities), Map.of()))).id();
  }

  private static List<InboxItem> inbox(String agentId) {
    return await(bus.readInbox(agentId, InboxQuery.all())).items();
  }

  private static List<InboxItem> inboxOf(String agentId, MessageType type) {
    return inbox(agentId).stream().filter(i -> i.message().type() == type).toList();
  }

  private static AgentMessage critical(String from, String to, String tenant) {
    AgentMessage q = Messages.query(from, to, tenant);
    return new AgentMessage(q.id(), q.type(), Priority.CRITICAL, from, to, tenant, q.payload(), null, null,
        q.constitutionalHash(), q.timestamp(), null, null, Map.of());
  }

  private static void eventually(Runnable assertion) {
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(WAIT, () -> {
      assertion.run();
      return null;
    });
  }

  /** A tenant with a sender, a recipient and three judges who can sign for the default risk roles. */
  private record Tenant(String id, String sender, String recipient, List<String> judges) {}

  private static Tenant tenant() {
    String t = "t-" + UUID.randomUUID();
    return new Tenant(t, agent(t, MaciRole.EXECUTIVE), agent(t, MaciRole.EXECUTIVE),
        List.of(agent(t, MaciRole.JUDICIAL, "supervisor"), agent(t, MaciRole.JUDICIAL, "compliance"),
            agent(t, MaciRole.JUDICIAL)));
  }

  // ---- inventory 9.1 case 22 ----

  @Test
  void divertsACriticalMessageIntoADeliberationWithoutDeliveringIt() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    SendResult r = await(bus.send(m));
    assertEquals(MessageStatus.PENDING_DELIBERATION, r.status());
    assertTrue(r.impactScore() >= 0.9);
    assertEquals("high_impact", r.reasons().get(0).code());
    assertTrue(inbox(t.recipient()).isEmpty());

    Deliberation.Summary d = await(bus.deliberation(m.id()));
    assertEquals(Deliberation.Phase.COLLECTING, d.phase());
    assertEquals(t.judges().stream().sorted().toList(), d.voters());
    assertEquals(3, d.requiredVotes());
    assertEquals(List.of(Requirement.signature("supervisor"), Requirement.signature("compliance")), d.requirements());
    assertEquals(List.of(m.id()), await(bus.deliberations(t.id())).tickets().stream()
        .map(DeliberationQueue.Ticket::messageId).toList());
    // each judge is asked in its inbox
    for (String judge : t.judges()) {
      eventually(() -> {
        List<InboxItem> requests = inboxOf(judge, MessageType.GOVERNANCE_REQUEST);
        assertEquals(1, requests.size());
        assertEquals(m.id().toString(), requests.get(0).message().payload().get("messageId").asText());
      });
    }
    // sent again, it answers the same held state
    SendResult again = await(bus.send(m));
    assertEquals(MessageStatus.PENDING_DELIBERATION, again.status());
    assertTrue(again.duplicate());
  }

  // ---- approved: delivered exactly once ----

  @Test
  void approvedByTheVotesTheMessageIsDeliveredOnce() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    await(bus.send(m));
    await(bus.vote(m.id(), t.judges().get(2), VoteChoice.APPROVE, "fine"));
    Deliberation.Summary unsigned = await(bus.vote(m.id(), t.judges().get(0), VoteChoice.APPROVE, "signed"));
    assertEquals(List.of(Requirement.signature("compliance")), unsigned.unmetRequirements());
    Deliberation.Summary s = await(bus.vote(m.id(), t.judges().get(1), VoteChoice.APPROVE, "signed"));
    assertEquals(Deliberation.Outcome.APPROVED, s.outcome());

    eventually(() -> assertEquals(List.of(m.id()), inbox(t.recipient()).stream().map(i -> i.message().id()).toList()));
    assertEquals(DeliberationCodes.CLOSED,
        refusal(bus.vote(m.id(), t.judges().get(2), VoteChoice.APPROVE, "again")));
    SendResult resent = await(bus.send(m));
    assertEquals(MessageStatus.ACCEPTED, resent.status());
    assertTrue(resent.duplicate());
    eventually(() -> assertTrue(await(bus.deliberations(t.id())).tickets().isEmpty()));
    assertEquals(1, inbox(t.recipient()).size());
  }

  @Test
  void approvedTwiceByHumansTheMessageIsDeliveredOnce() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    await(bus.send(m));
    assertEquals(DeliberationCodes.SELF_APPROVAL, refusal(bus.decide(m.id(), t.sender(), true, "mine")));
    assertEquals(Deliberation.Outcome.APPROVED, await(bus.decide(m.id(), "alice", true, "ok")).outcome());
    assertEquals(DeliberationCodes.CLOSED, refusal(bus.decide(m.id(), "bob", true, "ok too")));
    eventually(() -> assertEquals(1, inbox(t.recipient()).size()));
    assertEquals(m.id(), inbox(t.recipient()).get(0).message().id());
  }

  // ---- rejected and expired: the sender is told, nothing is delivered ----

  @Test
  void rejectedByTheVotesTheSenderIsToldAndNothingIsDelivered() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    await(bus.send(m));
    // the judge holding the supervisor role refuses to sign: a refused signature rejects at once (case 28)
    Deliberation.Summary s = await(bus.vote(m.id(), t.judges().get(0), VoteChoice.REJECT, "too risky"));
    assertEquals(Deliberation.Outcome.REJECTED, s.outcome());

    eventually(() -> {
      List<InboxItem> notices = inboxOf(t.sender(), MessageType.GOVERNANCE_RESPONSE);
      assertEquals(1, notices.size());
      assertEquals("rejected", notices.get(0).message().payload().get("outcome").asText());
      assertEquals(m.id().toString(), notices.get(0).message().payload().get("messageId").asText());
    });
    assertTrue(inbox(t.recipient()).isEmpty());
    // the message's status says why
    SendResult resent = await(bus.send(m));
    assertEquals(MessageStatus.REJECTED, resent.status());
    assertEquals(DeliberationCodes.REJECTED_BY_SIGNER, resent.reasons().get(0).code());
    assertTrue(inbox(t.recipient()).isEmpty());
  }

  @Test
  void expiredAtTheDeadlineTheSenderIsToldAndNothingIsDelivered() {
    // a deliberation on the bus's ledger, with a clock the test moves
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    ManualClock clock = ManualClock.atNoon();
    ActorRef<Deliberation.Command> d = testKit.spawn(Deliberation.create(m.id().toString(),
        Deliberation.Settings.from(bus.deliberationSettings()),
        Deliberation.Ports.sharded(ClusterSharding.get(testKit.system()), bus.settings().ledgerPartitions()), clock,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1)));
    TestProbe<StatusReply<Deliberation.Summary>> probe = testKit.createTestProbe();
    d.tell(new Deliberation.Open(new Deliberation.Proposal(m, List.of(t.recipient()), List.of(), 0.9, t.judges(),
        Map.of(), VotingStrategy.SUPER_MAJORITY, 0.66, 3, List.of(), clock.instant().plusSeconds(300)),
        probe.getRef()));
    assertTrue(probe.receiveMessage(WAIT).isSuccess());

    clock.advance(Duration.ofSeconds(300));
    d.tell(Deliberation.CheckDeadline.INSTANCE);
    eventually(() -> {
      List<InboxItem> notices = inboxOf(t.sender(), MessageType.GOVERNANCE_RESPONSE);
      assertEquals(1, notices.size());
      assertEquals("expired", notices.get(0).message().payload().get("outcome").asText());
    });
    assertTrue(inbox(t.recipient()).isEmpty());
    d.tell(new Deliberation.Get(probe.getRef()));
    assertEquals(Deliberation.Outcome.EXPIRED, probe.receiveMessage(WAIT).getValue().outcome());
  }

  // ---- the queue ----

  @Test
  void aFullQueueRejectsANewHeldMessageAndKeepsTheOthers() {
    Tenant t = tenant();
    AgentMessage first = critical(t.sender(), t.recipient(), t.id());
    AgentMessage second = critical(t.sender(), t.recipient(), t.id());
    AgentMessage third = critical(t.sender(), t.recipient(), t.id());
    assertEquals(MessageStatus.PENDING_DELIBERATION, await(bus.send(first)).status());
    assertEquals(MessageStatus.PENDING_DELIBERATION, await(bus.send(second)).status());
    SendResult refused = await(bus.send(third));
    assertEquals(MessageStatus.REJECTED, refused.status());
    assertEquals(DeliberationCodes.QUEUE_FULL, refused.reasons().get(0).code());
    assertTrue(refused.durable());
    assertEquals(2, await(bus.deliberations(t.id())).tickets().size());
    assertEquals(DeliberationCodes.NOT_FOUND, refusal(bus.deliberation(third.id())));
    // sent again later it keeps its first answer, even with room in the queue
    await(bus.decide(first.id(), "alice", false, "no"));
    eventually(() -> assertEquals(1, await(bus.deliberations(t.id())).tickets().size()));
    assertEquals(DeliberationCodes.QUEUE_FULL, await(bus.send(third)).reasons().get(0).code());
    assertTrue(inbox(t.recipient()).isEmpty());
  }

  // ---- memory ----

  private static boolean running(UUID messageId) {
    TestProbe<ShardRegion.CurrentShardRegionState> probe = testKit.createTestProbe();
    ClusterSharding.get(testKit.system()).shardState()
        .tell(new GetShardRegionState(Deliberation.ENTITY_KEY, probe.getRef()));
    return probe.receiveMessage(WAIT).getShards().stream()
        .anyMatch(shard -> shard.getEntityIds().contains(messageId.toString()));
  }

  @Test
  void anOpenDeliberationKeepsRunningUntilItsOutcomeIsRecorded() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), t.recipient(), t.id());
    await(bus.send(m));
    assertTrue(running(m.id()));
    await(bus.decide(m.id(), "alice", true, "ok"));
    eventually(() -> assertTrue(!running(m.id())));
    // still answers (from its events), then leaves again
    assertEquals(Deliberation.Outcome.APPROVED, await(bus.deliberation(m.id())).outcome());
    eventually(() -> assertTrue(!running(m.id())));
    assertEquals(DeliberationCodes.NOT_FOUND, refusal(bus.deliberation(UUID.randomUUID())));
  }

  @Test
  void refusesAHeldMessageForAnUnknownRecipientWithoutAskingAnyone() {
    Tenant t = tenant();
    AgentMessage m = critical(t.sender(), "nobody-" + UUID.randomUUID(), t.id());
    SendResult r = await(bus.send(m));
    assertEquals(MessageStatus.REJECTED, r.status());
    assertEquals("unknown_recipient", r.reasons().get(0).code());
    assertEquals(DeliberationCodes.NOT_FOUND, refusal(bus.deliberation(m.id())));
  }
}
