package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.deliberation.Deliberation.Summary;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.ManualClock;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The Deliberation entity with a manual clock, its ledger and queue replaced by probes (or a real ledger). */
class DeliberationTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1);
  private static final Deliberation.Settings SETTINGS =
      new Deliberation.Settings(Duration.ofSeconds(30), "agentbus.governance");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ManualClock clock = ManualClock.atNoon();

  /** One append the deliberation sent to the ledger. */
  record Sent(LedgerEntry entry, ActorRef<LedgerPartition.Appended> replyTo) {
    AgentMessage message() {
      return entry.message();
    }

    /** Answers as the ledger does after writing the entry. */
    void confirm() {
      replyTo.tell(new LedgerPartition.Appended(new LedgerPartition.Outcome(entry.message().id(), entry.recipientId(),
          entry.status(), entry.reasons(), entry.impactScore(), "hash"), false));
    }
  }

  record Released(String tenantId, UUID messageId) {}

  private final TestProbe<Sent> ledger = testKit.createTestProbe();
  private final TestProbe<Released> queue = testKit.createTestProbe();

  private final Deliberation.Ports probes = new Deliberation.Ports() {
    @Override
    public void append(LedgerEntry entry, ActorRef<LedgerPartition.Appended> replyTo) {
      ledger.getRef().tell(new Sent(entry, replyTo));
    }

    @Override
    public void release(String tenantId, UUID messageId) {
      queue.getRef().tell(new Released(tenantId, messageId));
    }
  };

  private static AgentMessage heldMessage() {
    AgentMessage q = Messages.query("sender", "recipient", "t1");
    return new AgentMessage(q.id(), q.type(), Priority.CRITICAL, "sender", "recipient", "t1", q.payload(), null, null,
        q.constitutionalHash(), q.timestamp(), null, null, Map.of());
  }

  private Deliberation.Proposal proposal(
      AgentMessage m, List<String> voters, VotingStrategy strategy, int requiredVotes, List<Requirement> requirements,
      Map<String, List<String>> roles) {
    return new Deliberation.Proposal(m, List.of("recipient"), List.of(), 0.9, voters, roles, strategy, 0.66,
        requiredVotes, requirements, clock.instant().plusSeconds(300));
  }

  private Deliberation.Proposal proposal(AgentMessage m, List<String> voters, int requiredVotes) {
    return proposal(m, voters, VotingStrategy.SUPER_MAJORITY, requiredVotes, List.of(), Map.of());
  }

  private EventSourcedBehaviorTestKit<Deliberation.Command, Deliberation.Event, Deliberation.State> deliberation(
      AgentMessage m, Deliberation.Ports ports) {
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        Deliberation.create(m.id().toString(), SETTINGS, ports, clock, RESTART));
  }

  private static Summary open(
      EventSourcedBehaviorTestKit<Deliberation.Command, Deliberation.Event, Deliberation.State> kit,
      Deliberation.Proposal p) {
    CommandResultWithReply<Deliberation.Command, Deliberation.Event, Deliberation.State, StatusReply<Summary>> r =
        kit.runCommand(replyTo -> new Deliberation.Open(p, replyTo));
    return r.reply().getValue();
  }

  private static CommandResultWithReply<Deliberation.Command, Deliberation.Event, Deliberation.State,
      StatusReply<Summary>> vote(
      EventSourcedBehaviorTestKit<Deliberation.Command, Deliberation.Event, Deliberation.State> kit, String voter,
      VoteChoice choice) {
    return kit.runCommand(replyTo -> new Deliberation.CastVote(voter, choice, "because", replyTo));
  }

  private static CommandResultWithReply<Deliberation.Command, Deliberation.Event, Deliberation.State,
      StatusReply<Summary>> decide(
      EventSourcedBehaviorTestKit<Deliberation.Command, Deliberation.Event, Deliberation.State> kit, String approver,
      boolean approve) {
    return kit.runCommand(replyTo -> new Deliberation.Decide(approver, approve, "reviewed", replyTo));
  }

  private static String errorCode(StatusReply<?> reply) {
    assertTrue(reply.isError(), () -> "expected an error, got " + reply);
    return AgentErrors.code(reply.getError());
  }

  /** The next n appends, vote requests left out. */
  private List<Sent> outcomeAppends(int n) {
    List<Sent> out = new ArrayList<>();
    while (out.size() < n) {
      Sent s = ledger.receiveMessage(WAIT);
      if (s.message().type() != MessageType.GOVERNANCE_REQUEST) out.add(s);
    }
    return out;
  }

  private void skipVoteRequests(int voters) {
    for (int i = 0; i < voters; i++) {
      assertEquals(MessageType.GOVERNANCE_REQUEST, ledger.receiveMessage(WAIT).message().type());
    }
  }

  // ---- opening ----

  @Test
  void opensWithAnAbsoluteDeadlineAndAsksEachVoterThroughTheLedger() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    Deliberation.Proposal p = proposal(m, List.of("v1", "v2", "sender"), 3);
    CommandResultWithReply<Deliberation.Command, Deliberation.Event, Deliberation.State, StatusReply<Summary>> r =
        kit.runCommand(replyTo -> new Deliberation.Open(p, replyTo));
    Summary s = r.reply().getValue();
    assertEquals(Deliberation.Phase.COLLECTING, s.phase());
    assertEquals(Instant.parse("2026-01-15T12:05:00Z"), s.deadline());
    assertEquals(List.of("v1", "v2"), s.voters()); // the sender is never a voter
    assertFalse(s.votesCanDecide()); // 2 voters, 3 required: only a human can approve
    assertEquals(p, r.eventOfType(Deliberation.Opened.class).proposal());
    assertInstanceOf(Deliberation.Collecting.class, r.state());

    List<String> asked = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Sent request = ledger.receiveMessage(WAIT);
      assertEquals(MessageType.GOVERNANCE_REQUEST, request.message().type());
      assertEquals("agentbus.governance", request.message().sourceAgentId());
      assertEquals(MessageStatus.ACCEPTED, request.entry().status());
      assertEquals(m.id().toString(), request.message().payload().get("messageId").asText());
      assertEquals(request.entry().recipientId(), request.message().targetAgentId());
      asked.add(request.entry().recipientId());
    }
    assertEquals(List.of("v1", "v2"), asked.stream().sorted().toList());

    // opening again changes nothing
    assertTrue(kit.runCommand((ActorRef<StatusReply<Summary>> replyTo) -> new Deliberation.Open(p, replyTo))
        .hasNoEvents());
  }

  @Test
  void answersNotFoundBeforeItIsOpened() {
    var kit = deliberation(heldMessage(), probes);
    assertEquals(DeliberationCodes.NOT_FOUND,
        errorCode(kit.<StatusReply<Summary>>runCommand(Deliberation.Get::new).reply()));
    assertEquals(DeliberationCodes.NOT_FOUND, errorCode(vote(kit, "v1", VoteChoice.APPROVE).reply()));
  }

  // ---- votes (inventory 9.1 case 24) ----

  @Test
  void approvesOnASuperMajorityOfFiveVotesAndAppendsTheOriginalMessageAsAccepted() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3", "v4", "v5", "v6"), 5));
    skipVoteRequests(6);
    for (String v : List.of("v1", "v2", "v3", "v4")) {
      assertEquals(Deliberation.Phase.COLLECTING, vote(kit, v, VoteChoice.APPROVE).reply().getValue().phase());
    }
    var fifth = vote(kit, "v5", VoteChoice.REJECT);
    Summary s = fifth.reply().getValue();
    assertEquals(Deliberation.Phase.DECIDED, s.phase());
    assertEquals(Deliberation.Outcome.APPROVED, s.outcome());
    assertEquals(DeliberationCodes.APPROVED_BY_VOTES, s.decisionReasons().get(0).code());
    assertEquals(2, fifth.events().size()); // VoteCast, Decided
    assertInstanceOf(Deliberation.VoteCast.class, fifth.events().get(0));
    assertEquals(Deliberation.Outcome.APPROVED,
        assertInstanceOf(Deliberation.Decided.class, fifth.events().get(1)).outcome());

    Sent delivery = outcomeAppends(1).get(0);
    assertEquals(m, delivery.message());
    assertEquals("recipient", delivery.entry().recipientId());
    assertEquals(MessageStatus.ACCEPTED, delivery.entry().status());
    assertEquals(new Released("t1", m.id()), queue.receiveMessage(WAIT));
    ledger.expectNoMessage(Duration.ofMillis(200));

    // no vote after completion
    assertEquals(DeliberationCodes.CLOSED, errorCode(vote(kit, "v6", VoteChoice.APPROVE).reply()));
  }

  @Test
  void aReVoteReplacesTheEarlierVote() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3", "v4", "v5"), 5));
    vote(kit, "v1", VoteChoice.APPROVE);
    Summary s = vote(kit, "v1", VoteChoice.REJECT).reply().getValue();
    assertEquals(1, s.votes().size());
    assertEquals(0, s.approvals());
    assertEquals(1, s.rejections());
  }

  @Test
  void refusesVotesFromAgentsNotListedAndFromTheSender() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "sender"), 1));
    var intruder = vote(kit, "intruder", VoteChoice.APPROVE);
    assertEquals(DeliberationCodes.NOT_A_VOTER, errorCode(intruder.reply()));
    assertTrue(intruder.hasNoEvents());
    var self = vote(kit, "sender", VoteChoice.APPROVE);
    assertEquals(DeliberationCodes.SELF_VOTE, errorCode(self.reply()));
    assertTrue(self.hasNoEvents());
  }

  @Test
  void rejectsByVotesAndTellsTheSenderWithoutDelivering() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3", "v4", "v5"), 3));
    skipVoteRequests(5);
    vote(kit, "v1", VoteChoice.REJECT);
    Summary s = vote(kit, "v2", VoteChoice.REJECT).reply().getValue(); // 2 > 0.34 * 5: approval out of reach
    assertEquals(Deliberation.Outcome.REJECTED, s.outcome());
    assertEquals(DeliberationCodes.REJECTED_BY_VOTES, s.decisionReasons().get(0).code());

    List<Sent> appends = outcomeAppends(2);
    Sent record = appends.get(0);
    assertEquals("recipient", record.entry().recipientId());
    assertEquals(MessageStatus.REJECTED, record.entry().status()); // the message status says why
    assertEquals(DeliberationCodes.REJECTED_BY_VOTES, record.entry().reasons().get(0).code());
    Sent notice = appends.get(1);
    assertEquals("sender", notice.entry().recipientId());
    assertEquals(MessageStatus.ACCEPTED, notice.entry().status());
    assertEquals(MessageType.GOVERNANCE_RESPONSE, notice.message().type());
    assertEquals("rejected", notice.message().payload().get("outcome").asText());
    assertEquals(m.id().toString(), notice.message().payload().get("messageId").asText());
  }

  @Test
  void votesCannotApproveWithoutTheRequiredSignatures() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3", "boss"), VotingStrategy.SUPER_MAJORITY, 3,
        List.of(Requirement.signature("supervisor")), Map.of("boss", List.of("supervisor"))));
    vote(kit, "v1", VoteChoice.APPROVE);
    vote(kit, "v2", VoteChoice.APPROVE);
    Summary unsigned = vote(kit, "v3", VoteChoice.APPROVE).reply().getValue();
    assertEquals(Deliberation.Phase.COLLECTING, unsigned.phase());
    assertEquals(List.of(Requirement.signature("supervisor")), unsigned.unmetRequirements());
    Summary signed = vote(kit, "boss", VoteChoice.APPROVE).reply().getValue();
    assertEquals(Deliberation.Outcome.APPROVED, signed.outcome());
    assertEquals(List.of(), signed.unmetRequirements());
  }

  @Test
  void quorumAndUnanimityDecideOverAllVoters() {
    AgentMessage m = heldMessage();
    var quorum = deliberation(m, probes);
    open(quorum, proposal(m, List.of("v1", "v2", "v3"), VotingStrategy.QUORUM, 1, List.of(), Map.of()));
    vote(quorum, "v1", VoteChoice.APPROVE);
    assertEquals(Deliberation.Outcome.APPROVED, vote(quorum, "v2", VoteChoice.APPROVE).reply().getValue().outcome());

    AgentMessage other = heldMessage();
    var unanimous = deliberation(other, probes);
    open(unanimous, proposal(other, List.of("v1", "v2", "v3"), VotingStrategy.UNANIMOUS, 1, List.of(), Map.of()));
    vote(unanimous, "v1", VoteChoice.APPROVE);
    assertEquals(Deliberation.Outcome.REJECTED,
        vote(unanimous, "v2", VoteChoice.REJECT).reply().getValue().outcome());
  }

  // ---- humans (inventory 9.1 case 25) ----

  @Test
  void aHumanDecisionSettlesItWhateverTheVotes() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of(), 3));
    assertEquals(DeliberationCodes.SELF_APPROVAL, errorCode(decide(kit, "sender", true).reply()));
    var approved = decide(kit, "alice", true);
    Summary s = approved.reply().getValue();
    assertEquals(Deliberation.Outcome.APPROVED, s.outcome());
    assertEquals("alice", s.human().approverId());
    assertEquals(DeliberationCodes.APPROVED_BY_HUMAN, s.decisionReasons().get(0).code());
    assertEquals(2, approved.events().size()); // HumanDecided, Decided
    assertEquals(MessageStatus.ACCEPTED, outcomeAppends(1).get(0).entry().status());
    // only while under review: a second decision is refused
    assertEquals(DeliberationCodes.CLOSED, errorCode(decide(kit, "bob", false).reply()));
  }

  // ---- the guard (inventory case 28) ----

  private Deliberation.Proposal guarded(
      AgentMessage m, List<String> voters, OpaGuard.Result guard, Map<String, List<String>> roles,
      Duration reviewTimeout) {
    return new Deliberation.Proposal(m, List.of("recipient"), List.of(), 0.96, voters, roles,
        VotingStrategy.SUPER_MAJORITY, 0.66, 3, guard.requirements(), clock.instant().plusSeconds(300), guard,
        reviewTimeout == null ? null : clock.instant().plus(reviewTimeout));
  }

  private static final OpaGuard GUARD = OpaGuard.create(RiskRules.defaults());
  private static final OpaGuard.Policy ALLOWS = java.util.Optional::empty;

  @Test
  void aGuardDenialRejectsTheMessageAsSoonAsItOpensAndTellsTheSender() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    OpaGuard.Result denied = GUARD.verify(() -> {
      throw new IllegalStateException("policy engine down");
    }, 0.5);
    Summary s = open(kit, guarded(m, List.of("v1", "v2", "v3"), denied, Map.of(), null));
    assertEquals(Deliberation.Outcome.REJECTED, s.outcome());
    assertEquals(OpaGuard.Verdict.DENY, s.guard());
    assertEquals(DeliberationCodes.REJECTED_BY_GUARD, s.decisionReasons().get(0).code());
    assertEquals(OpaGuard.GUARD_ERROR, s.decisionReasons().get(1).code());
    List<Sent> appends = outcomeAppends(2);
    assertEquals(MessageStatus.REJECTED, appends.get(0).entry().status());
    assertEquals("sender", appends.get(1).entry().recipientId());
    assertEquals(DeliberationCodes.CLOSED, errorCode(vote(kit, "v1", VoteChoice.APPROVE).reply()));
  }

  @Test
  void aRefusedSignatureRejectsTheMessage() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    OpaGuard.Result signatures = GUARD.verify(ALLOWS, 0.85);
    open(kit, guarded(m, List.of("sup", "comp", "v1", "v2"), signatures,
        Map.of("sup", List.of("supervisor"), "comp", List.of("compliance")), null));
    vote(kit, "sup", VoteChoice.APPROVE);
    vote(kit, "v1", VoteChoice.APPROVE);
    Summary refused = vote(kit, "comp", VoteChoice.REJECT).reply().getValue();
    assertEquals(Deliberation.Outcome.REJECTED, refused.outcome());
    assertEquals(DeliberationCodes.REJECTED_BY_SIGNER, refused.decisionReasons().get(0).code());
  }

  @Test
  void votesApproveOnlyOnceEverySignerSigned() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, guarded(m, List.of("sup", "comp", "v1"), GUARD.verify(ALLOWS, 0.85),
        Map.of("sup", List.of("supervisor"), "comp", List.of("compliance")), null));
    vote(kit, "v1", VoteChoice.APPROVE);
    Summary half = vote(kit, "sup", VoteChoice.APPROVE).reply().getValue();
    assertEquals(Deliberation.Phase.COLLECTING, half.phase());
    assertEquals(List.of(Requirement.signature("compliance")), half.unmetRequirements());
    assertEquals(Deliberation.Outcome.APPROVED, vote(kit, "comp", VoteChoice.APPROVE).reply().getValue().outcome());
  }

  @Test
  void criticsRejectingByStrictMajorityRejectTheMessage() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    Map<String, List<String>> roles = Map.of("c1", List.of("critic"), "c2", List.of("critic"), "c3",
        List.of("critic"));
    open(kit, guarded(m, List.of("c1", "c2", "c3", "v1"), GUARD.verify(ALLOWS, 0.96), roles, null));
    assertEquals(Deliberation.Phase.COLLECTING, vote(kit, "c1", VoteChoice.REJECT).reply().getValue().phase(),
        "one review of three critics is not enough");
    vote(kit, "c2", VoteChoice.APPROVE);
    Summary rejected = vote(kit, "c3", VoteChoice.REJECT).reply().getValue();
    assertEquals(Deliberation.Outcome.REJECTED, rejected.outcome());
    assertEquals(DeliberationCodes.REJECTED_BY_CRITICS, rejected.decisionReasons().get(0).code());
  }

  @Test
  void criticsAskingForHumansEscalateItAndThenOnlyAHumanApproves() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    Map<String, List<String>> roles = Map.of("sup", List.of("supervisor"), "comp", List.of("compliance"),
        "c1", List.of("critic"));
    open(kit, guarded(m, List.of("sup", "comp", "c1", "v1"), GUARD.verify(ALLOWS, 0.96), roles, null));
    var escalating = vote(kit, "c1", VoteChoice.ABSTAIN);
    Deliberation.Escalated escalation = escalating.events().stream().filter(Deliberation.Escalated.class::isInstance)
        .map(Deliberation.Escalated.class::cast).findFirst().orElseThrow();
    assertEquals(DeliberationCodes.ESCALATED, escalation.reason().code());
    assertTrue(escalating.reply().getValue().escalated());
    vote(kit, "sup", VoteChoice.APPROVE);
    vote(kit, "comp", VoteChoice.APPROVE);
    vote(kit, "v1", VoteChoice.APPROVE);
    Summary stillOpen = vote(kit, "c1", VoteChoice.APPROVE).reply().getValue();
    assertEquals(Deliberation.Phase.COLLECTING, stillOpen.phase(), "escalated: votes no longer approve");
    Summary human = decide(kit, "human", true).reply().getValue();
    assertEquals(Deliberation.Outcome.APPROVED, human.outcome());
  }

  @Test
  void aCriticReviewWithoutConsensusEscalatesAtItsReviewDeadlineAndTheDeadlineStillHolds() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    Map<String, List<String>> roles = Map.of("c1", List.of("critic"), "c2", List.of("critic"));
    open(kit, guarded(m, List.of("c1", "c2", "v1"), GUARD.verify(ALLOWS, 0.96), roles, Duration.ofSeconds(150)));
    vote(kit, "c1", VoteChoice.APPROVE);
    clock.advance(Duration.ofSeconds(149));
    assertTrue(kit.runCommand(Deliberation.CheckDeadline.INSTANCE).hasNoEvents());
    clock.advance(Duration.ofSeconds(1));
    var escalated = kit.runCommand(Deliberation.CheckDeadline.INSTANCE);
    Deliberation.Escalated e = escalated.eventOfType(Deliberation.Escalated.class);
    assertEquals(DeliberationCodes.ESCALATED, e.reason().code());
    Summary s = kit.runCommand(Deliberation.Get::new).reply().getValue();
    assertEquals("escalated", s.escalated() ? "escalated" : "not");
    assertEquals(Deliberation.Phase.COLLECTING, s.phase());
    assertTrue(kit.runCommand(Deliberation.CheckDeadline.INSTANCE).hasNoEvents(), "escalates once");
    clock.advance(Duration.ofSeconds(150));
    var expired = kit.runCommand(Deliberation.CheckDeadline.INSTANCE);
    assertEquals(Deliberation.Outcome.EXPIRED, expired.eventOfType(Deliberation.Decided.class).outcome());
  }

  // ---- deadline ----

  @Test
  void expiresAtTheDeadlineByTheClockAndTellsTheSender() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3"), 3));
    clock.advance(Duration.ofSeconds(299));
    assertTrue(kit.runCommand(Deliberation.CheckDeadline.INSTANCE).hasNoEvents());
    clock.advance(Duration.ofSeconds(1));
    var expired = kit.runCommand(Deliberation.CheckDeadline.INSTANCE);
    assertEquals(Deliberation.Outcome.EXPIRED, expired.eventOfType(Deliberation.Decided.class).outcome());
    List<Sent> appends = outcomeAppends(2);
    assertEquals(MessageStatus.EXPIRED, appends.get(0).entry().status());
    assertEquals(DeliberationCodes.EXPIRED, appends.get(0).entry().reasons().get(0).code());
    assertEquals("expired", appends.get(1).message().payload().get("outcome").asText());
    assertEquals(DeliberationCodes.CLOSED, errorCode(vote(kit, "v1", VoteChoice.APPROVE).reply()));
  }

  @Test
  void aVoteAfterTheDeadlineExpiresTheMessageInsteadOfCounting() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1"), 1));
    clock.advance(Duration.ofSeconds(301));
    var late = vote(kit, "v1", VoteChoice.APPROVE);
    assertEquals(DeliberationCodes.CLOSED, errorCode(late.reply()));
    assertEquals(Deliberation.Outcome.EXPIRED, late.eventOfType(Deliberation.Decided.class).outcome());
  }

  // ---- recovery ----

  @Test
  void keepsItsVotesAndItsDeadlineAfterARestart() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3", "v4", "v5"), 5));
    skipVoteRequests(5);
    vote(kit, "v1", VoteChoice.APPROVE);
    vote(kit, "v2", VoteChoice.ABSTAIN);
    Deliberation.State before = kit.getState();
    clock.advance(Duration.ofSeconds(120));

    Deliberation.Collecting after = assertInstanceOf(Deliberation.Collecting.class, kit.restart().state());
    assertEquals(before, after);
    assertEquals(Instant.parse("2026-01-15T12:05:00Z"), after.proposal().deadline());
    // the voters who have not voted are asked again (the ledger de-duplicates the requests by id)
    List<String> askedAgain =
        ledger.receiveSeveralMessages(3, WAIT).stream().map(s -> s.entry().recipientId()).sorted().toList();
    assertEquals(List.of("v3", "v4", "v5"), askedAgain);

    clock.advance(Duration.ofSeconds(179));
    assertTrue(kit.runCommand(Deliberation.CheckDeadline.INSTANCE).hasNoEvents()); // not extended, not lost
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Deliberation.Outcome.EXPIRED,
        kit.runCommand(Deliberation.CheckDeadline.INSTANCE).eventOfType(Deliberation.Decided.class).outcome());
  }

  @Test
  void anOverdueDeliberationExpiresOnItsOwnWhenItRecovers() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1"), 1));
    skipVoteRequests(1);
    clock.advance(Duration.ofSeconds(400));
    kit.restart();
    // the re-armed deadline timer (nothing left of it) expires the message
    Sent expiry = outcomeAppends(1).get(0);
    assertEquals(MessageStatus.EXPIRED, expiry.entry().status());
    ledger.awaitAssert(WAIT, () -> {
      var settled = assertInstanceOf(Deliberation.Settled.class, kit.getState());
      assertEquals(Deliberation.Outcome.EXPIRED, settled.outcome());
      return null;
    });
  }

  @Test
  void recordsTheOutcomeOnceTheLedgerConfirmedItAndThenSendsNothingMore() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of(), 1));
    decide(kit, "alice", false);
    List<Sent> appends = outcomeAppends(2);
    appends.forEach(Sent::confirm);
    ledger.awaitAssert(WAIT, () -> {
      assertTrue(assertInstanceOf(Deliberation.Settled.class, kit.getState()).recorded());
      return null;
    });
    kit.restart();
    ledger.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void reSendsAnUnconfirmedOutcomeAfterARestartUntilTheLedgerConfirmsIt() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of(), 1));
    decide(kit, "alice", true);
    Sent first = outcomeAppends(1).get(0); // not confirmed: say the ledger's node crashed
    kit.restart();
    Sent again = outcomeAppends(1).get(0);
    assertEquals(first.entry(), again.entry()); // the same ledger key: a duplicate the ledger drops
    again.confirm();
    ledger.awaitAssert(WAIT, () -> {
      assertTrue(assertInstanceOf(Deliberation.Settled.class, kit.getState()).recorded());
      return null;
    });
  }

  @Test
  void anApprovedMessageIsDeliveredOnceEvenIfApprovedTwiceOrReplayedAfterARestart() {
    // a real ledger partition, whose de-duplication by message id and recipient is what holds
    List<LedgerEntry> delivered = new CopyOnWriteArrayList<>();
    ActorRef<LedgerPartition.Command> partition = testKit.spawn(LedgerPartition.create("p-" + UUID.randomUUID(),
        new LedgerPartition.Settings(256, 1000, 100, 1000), (e, answers) -> {
          delivered.add(e);
          answers.forEach(LedgerPartition.Answer::send);
        }, RESTART));
    AtomicBoolean ledgerAnswers = new AtomicBoolean(false);
    AtomicInteger appends = new AtomicInteger();
    TestProbe<LedgerPartition.Appended> lost = testKit.createTestProbe();
    Deliberation.Ports realLedger = new Deliberation.Ports() {
      @Override
      public void append(LedgerEntry entry, ActorRef<LedgerPartition.Appended> replyTo) {
        appends.incrementAndGet();
        partition.tell(new LedgerPartition.Append(entry, ledgerAnswers.get() ? replyTo : lost.getRef()));
      }

      @Override
      public void release(String tenantId, UUID messageId) {}
    };
    AgentMessage m = heldMessage();
    var kit = deliberation(m, realLedger);
    open(kit, proposal(m, List.of("v1", "v2"), 2));
    vote(kit, "v1", VoteChoice.APPROVE);
    assertEquals(Deliberation.Outcome.APPROVED, vote(kit, "v2", VoteChoice.APPROVE).reply().getValue().outcome());
    assertEquals(DeliberationCodes.CLOSED, errorCode(decide(kit, "alice", true).reply())); // approved twice
    assertFalse(lost.receiveMessage(WAIT).duplicate()); // vote requests and the delivery were written
    lost.receiveMessage(WAIT);
    lost.receiveMessage(WAIT);

    // the confirmation was lost: the restart replays the decision and sends the delivery again
    ledgerAnswers.set(true);
    int before = appends.get();
    kit.restart();
    ledger.awaitAssert(WAIT, () -> {
      assertTrue(assertInstanceOf(Deliberation.Settled.class, kit.getState()).recorded());
      return null;
    });
    assertTrue(appends.get() > before);
    List<LedgerEntry> toRecipient =
        delivered.stream().filter(e -> e.recipientId().equals("recipient")).toList();
    assertEquals(1, toRecipient.size());
    assertEquals(m.id(), toRecipient.get(0).message().id());

    // recorded: a further restart sends nothing at all
    int after = appends.get();
    kit.restart();
    kit.runCommand(Deliberation.CheckDeadline.INSTANCE);
    assertEquals(after, appends.get());
  }

  // ---- audit ----

  @Test
  void chainsEveryEventToThePreviousOne() {
    AgentMessage m = heldMessage();
    var kit = deliberation(m, probes);
    open(kit, proposal(m, List.of("v1", "v2", "v3"), 3));
    vote(kit, "v1", VoteChoice.APPROVE);
    vote(kit, "v1", VoteChoice.ABSTAIN);
    decide(kit, "alice", false);
    outcomeAppends(2).forEach(Sent::confirm);
    String pid = "Deliberation|" + m.id();
    ledger.awaitAssert(WAIT, () -> {
      assertEquals(6, kit.persistenceTestKit().persistedInStorage(pid).size());
      return null;
    });
    List<Object> events = kit.persistenceTestKit().persistedInStorage(pid);
    List<ChainVerifier.StreamEvent> stream = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      stream.add(new ChainVerifier.StreamEvent(i + 1, List.of((ChainedRecord) events.get(i))));
    }
    ChainVerifier.Report report = ChainVerifier.verify(pid, stream);
    assertTrue(report.intact(), report.detail());
    assertEquals(6, report.checked());
    assertNotNull(assertInstanceOf(Deliberation.OutcomeRecorded.class, events.get(5)).hash());
  }
}
