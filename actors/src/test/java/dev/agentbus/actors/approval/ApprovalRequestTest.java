package dev.agentbus.actors.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.AgentErrors;
import dev.agentbus.actors.approval.ApprovalRequest.View;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.support.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The ApprovalRequest entity with a manual clock; the held message's deliberation is a recording stub. */
class ApprovalRequestTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1);
  private static final ApprovalRequest.Settings SETTINGS =
      new ApprovalRequest.Settings(Duration.ofHours(4), 4, true, Duration.ofSeconds(30));

  private final ManualClock clock = ManualClock.atNoon();

  record Settled(UUID messageId, String approverId, boolean approve) {}

  private final List<Settled> settled = new CopyOnWriteArrayList<>();
  private final AtomicBoolean deliberationReachable = new AtomicBoolean(true);

  private final ApprovalRequest.HeldPort held = (messageId, approverId, approve, reason) -> {
    if (!deliberationReachable.get()) return CompletableFuture.failedFuture(new IllegalStateException("unreachable"));
    settled.add(new Settled(messageId, approverId, approve));
    return CompletableFuture.completedFuture(Done.getInstance());
  };

  private EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> kit(
      UUID id) {
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        ApprovalRequest.create(id.toString(), SETTINGS, held, clock, RESTART));
  }

  private ApprovalRequest.Spec spec(UUID id, ApprovalRequest.Kind kind, int required) {
    return new ApprovalRequest.Spec(id, kind, "acme", "model_deployment", "requester", "{\"model\":\"m\"}", 65.0,
        required, clock.instant().plus(Duration.ofHours(24)));
  }

  private EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> created(
      UUID id, ApprovalRequest.Kind kind, int required) {
    var kit = kit(id);
    var r = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Create(spec(id, kind, required), replyTo));
    assertTrue(r.reply().isSuccess(), () -> String.valueOf(r.reply()));
    return kit;
  }

  private static CommandResultWithReply<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State,
      StatusReply<View>> decide(
      EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> kit,
      String approver, boolean approve) {
    return kit.runCommand(replyTo -> new ApprovalRequest.Decide(approver, approve, "reviewed", replyTo));
  }

  private static String errorCode(StatusReply<?> reply) {
    assertTrue(reply.isError(), () -> "expected a refusal, got " + reply);
    return AgentErrors.code(reply.getError());
  }

  private static View view(StatusReply<View> reply) {
    assertTrue(reply.isSuccess(), () -> "expected success, got " + reply);
    return reply.getValue();
  }

  @Test
  void aCreatedRequestIsPendingWithItsSpecAndAnswersCreateAgainWithoutANewEvent() {
    UUID id = UUID.randomUUID();
    var kit = kit(id);
    var r = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Create(spec(id, ApprovalRequest.Kind.DIRECT, 2), replyTo));
    View v = view(r.reply());
    assertEquals(ApprovalStatus.PENDING, v.status());
    assertEquals(2, v.spec().requiredApprovers());
    assertEquals(1, v.level());
    assertEquals(clock.instant(), v.createdAt());
    assertInstanceOf(ApprovalRequest.Created.class, r.event());
    var again = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Create(spec(id, ApprovalRequest.Kind.DIRECT, 2), replyTo));
    assertTrue(again.hasNoEvents());
    assertEquals(v.createdAt(), view(again.reply()).createdAt());
  }

  @Test
  void anInvalidSpecIsRefused() {
    UUID id = UUID.randomUUID();
    var kit = kit(id);
    var bad = new ApprovalRequest.Spec(id, ApprovalRequest.Kind.DIRECT, "acme", "t", "r", "{}", 101, 1,
        clock.instant().plusSeconds(60));
    var r = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Create(bad, replyTo));
    assertEquals(ApprovalCodes.INVALID_REQUEST, errorCode(r.reply()));
    assertTrue(r.hasNoEvents());
  }

  @Test
  void anUnknownRequestIsNotFound() {
    var kit = kit(UUID.randomUUID());
    assertEquals(ApprovalCodes.NOT_FOUND, errorCode(kit.<StatusReply<View>>runCommand(ApprovalRequest.Get::new).reply()));
    assertEquals(ApprovalCodes.NOT_FOUND, errorCode(decide(kit, "alice", true).reply()));
  }

  @Test
  void theRequesterMayNotApproveItsOwnRequest() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 1);
    var r = decide(kit, "requester", true);
    assertEquals(ApprovalCodes.SELF_APPROVAL, errorCode(r.reply()));
    assertTrue(r.hasNoEvents());
  }

  @Test
  void itIsApprovedOnlyWhenTheRequiredApproversApproved() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 2);
    View first = view(decide(kit, "alice", true).reply());
    assertEquals(ApprovalStatus.PENDING, first.status());
    assertEquals(1, first.approvals());
    var second = decide(kit, "bob", true);
    View v = view(second.reply());
    assertEquals(ApprovalStatus.APPROVED, v.status());
    assertEquals(2, v.approvals());
    assertInstanceOf(ApprovalRequest.Finalized.class, second.events().get(1));
    assertEquals(ApprovalCodes.CLOSED, errorCode(decide(kit, "carol", true).reply()));
  }

  @Test
  void anApproverDecidesOnce() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 2);
    view(decide(kit, "alice", true).reply());
    var again = decide(kit, "alice", true);
    assertEquals(ApprovalCodes.ALREADY_DECIDED, errorCode(again.reply()));
    assertTrue(again.hasNoEvents());
  }

  @Test
  void oneRejectionRejectsWhateverTheApprovals() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 3);
    view(decide(kit, "alice", true).reply());
    View v = view(decide(kit, "bob", false).reply());
    assertEquals(ApprovalStatus.REJECTED, v.status());
    assertTrue(v.finalReason().contains("bob"));
  }

  @Test
  void anEscalationRaisesTheLevelAndTheRequestStaysDecidable() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 1);
    var r = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Escalate("alice", "urgent", replyTo));
    View v = view(r.reply());
    assertEquals(ApprovalStatus.ESCALATED, v.status());
    assertEquals(2, v.level());
    assertEquals(ApprovalStatus.APPROVED, view(decide(kit, "bob", true).reply()).status());
    var late = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Escalate("alice", "again", replyTo));
    assertEquals(ApprovalCodes.CLOSED, errorCode(late.reply()));
  }

  @Test
  void escalationStopsAtTheHighestLevel() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 1);
    for (int i = 0; i < 3; i++) {
      view(kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Escalate("alice", "up", replyTo)).reply());
    }
    var r = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Escalate("alice", "up", replyTo));
    assertEquals(ApprovalCodes.MAX_ESCALATION, errorCode(r.reply()));
  }

  @Test
  void eachEscalationStepWithoutADecisionEscalatesByItselfThenTheRequestExpires() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 1);
    clock.advance(Duration.ofHours(3));
    assertTrue(kit.runCommand(ApprovalRequest.Tick.INSTANCE).hasNoEvents());
    clock.advance(Duration.ofHours(1));
    var first = kit.runCommand(ApprovalRequest.Tick.INSTANCE);
    assertEquals(1, first.events().size());
    assertEquals(2, ((ApprovalRequest.Escalated) first.event()).escalation().level());
    assertEquals("auto", ((ApprovalRequest.Escalated) first.event()).escalation().by());
    clock.advance(Duration.ofHours(9)); // 13 h: steps 2 and 3 have both passed
    var more = kit.runCommand(ApprovalRequest.Tick.INSTANCE);
    assertEquals(2, more.events().size());
    assertEquals(4, view(kit.<StatusReply<View>>runCommand(ApprovalRequest.Get::new).reply()).level());
    clock.advance(Duration.ofHours(11)); // 24 h: expired
    var expired = kit.runCommand(ApprovalRequest.Tick.INSTANCE);
    assertEquals(ApprovalStatus.EXPIRED, ((ApprovalRequest.Finalized) expired.event()).status());
    assertEquals(ApprovalCodes.CLOSED, errorCode(decide(kit, "alice", true).reply()));
  }

  @Test
  void aDecisionAfterTheExpiryExpiresTheRequestInsteadOfCounting() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 1);
    clock.advance(Duration.ofHours(25));
    var r = decide(kit, "alice", true);
    assertEquals(ApprovalCodes.CLOSED, errorCode(r.reply()));
    assertEquals(ApprovalStatus.EXPIRED, ((ApprovalRequest.Finalized) r.event()).status());
  }

  @Test
  void onlyTheRequesterMayCancelAnOpenRequest() {
    var kit = created(UUID.randomUUID(), ApprovalRequest.Kind.DIRECT, 2);
    var other = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Cancel("alice", null, replyTo));
    assertEquals(ApprovalCodes.NOT_REQUESTER, errorCode(other.reply()));
    View v = view(kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Cancel("requester", "moot", replyTo))
        .reply());
    assertEquals(ApprovalStatus.CANCELLED, v.status());
    assertEquals("rejected", v.status().sdkWire());
    assertEquals(ApprovalCodes.CLOSED, errorCode(decide(kit, "alice", true).reply()));
  }

  @Test
  void aHeldMessageIsNotCancelledAndItsFinalHumanOutcomeSettlesTheDeliberationOnce() {
    UUID id = UUID.randomUUID();
    var kit = created(id, ApprovalRequest.Kind.HELD, 2);
    var cancel = kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Cancel("requester", null, replyTo));
    assertEquals(ApprovalCodes.NOT_CANCELLABLE, errorCode(cancel.reply()));
    view(decide(kit, "alice", true).reply());
    assertTrue(settled.isEmpty(), "one approval of two settles nothing");
    view(decide(kit, "bob", true).reply());
    awaitSettled(kit);
    assertEquals(List.of(new Settled(id, "bob", true)), settled);
    // recovery of a settled request re-sends nothing
    kit.restart();
    assertEquals(1, settled.size());
  }

  @Test
  void anUnconfirmedHeldOutcomeIsResentAfterARestart() {
    UUID id = UUID.randomUUID();
    var kit = created(id, ApprovalRequest.Kind.HELD, 1);
    deliberationReachable.set(false);
    view(decide(kit, "alice", false).reply());
    assertTrue(settled.isEmpty());
    deliberationReachable.set(true);
    kit.restart();
    awaitSettled(kit);
    assertEquals(List.of(new Settled(id, "alice", false)), settled);
  }

  private static void awaitSettled(
      EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> kit) {
    // the HeldSettled event follows the port's answer: poll the state (no timing assertion)
    for (int i = 0; i < 200; i++) {
      if (kit.getState() instanceof ApprovalRequest.Present p && p.heldSettled()) return;
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("the held outcome was never confirmed");
  }

  @Test
  void stateRecoversWithEveryDecisionAndTheEventsFormAHashChain() {
    UUID id = UUID.randomUUID();
    var kit = created(id, ApprovalRequest.Kind.DIRECT, 3);
    view(decide(kit, "alice", true).reply());
    view(kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Escalate("alice", "urgent", replyTo)).reply());
    view(decide(kit, "bob", true).reply());
    ApprovalRequest.Present before = (ApprovalRequest.Present) kit.getState();
    ApprovalRequest.Present after = assertInstanceOf(ApprovalRequest.Present.class, kit.restart().state());
    assertEquals(before, after);
    assertEquals(2, after.decisions().size());
    assertFalse(after.lastHash().isEmpty());
    assertEquals(Instant.parse("2026-01-15T12:00:00Z"), after.createdAt());
    List<Object> events = kit.persistenceTestKit().persistedInStorage("ApprovalRequest|" + id);
    assertEquals(4, events.size()); // created, decision, escalated, decision
    List<ChainVerifier.StreamEvent> stream = new java.util.ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      stream.add(new ChainVerifier.StreamEvent(i + 1, List.of((ChainedRecord) events.get(i))));
    }
    ChainVerifier.Report report = ChainVerifier.verify("ApprovalRequest|" + id, stream);
    assertTrue(report.intact(), report.detail());
  }

  // ---- approval policies (inventory case 27) ----

  private static final ApprovalPolicies POLICIES =
      ApprovalPolicies.fromConfig(ConfigFactory.defaultReference().getConfig("agentbus.approvals"));

  private EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> withPolicy(
      UUID id, String policyName, double riskScore) {
    ApprovalPolicy p = POLICIES.named(policyName).orElseThrow();
    var spec = new ApprovalRequest.Spec(id, ApprovalRequest.Kind.DIRECT, "acme", "model_deployment", "requester",
        "{}", riskScore, p.minApprovers(), clock.instant().plus(p.timeout()), p.name(), p.requiredRoles(),
        p.requireAllRoles(), p.escalationStep(), p.autoApproves(riskScore / 100));
    var kit = kit(id);
    assertTrue(kit.<StatusReply<View>>runCommand(replyTo -> new ApprovalRequest.Create(spec, replyTo)).reply()
        .isSuccess());
    return kit;
  }

  private static CommandResultWithReply<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State,
      StatusReply<View>> decideAs(
      EventSourcedBehaviorTestKit<ApprovalRequest.Command, ApprovalRequest.Event, ApprovalRequest.State> kit,
      String approver, List<String> roles, boolean approve) {
    return kit.runCommand(replyTo -> new ApprovalRequest.Decide(approver, roles, approve, "reviewed", replyTo));
  }

  @Test
  void aPolicyWithAllRolesApprovesOnlyWhenEveryRoleApproved() {
    var kit = withPolicy(UUID.randomUUID(), "high_risk_action", 75);
    assertEquals(ApprovalCodes.ROLE_REQUIRED, errorCode(decideAs(kit, "eve", List.of("on_call"), true).reply()));
    assertEquals(ApprovalStatus.PENDING,
        view(decideAs(kit, "sec1", List.of("security_team"), true).reply()).status());
    assertEquals(ApprovalStatus.PENDING,
        view(decideAs(kit, "sec2", List.of("security_team"), true).reply()).status(), "compliance is missing");
    View done = view(decideAs(kit, "comp", List.of("compliance_team"), true).reply());
    assertEquals(ApprovalStatus.APPROVED, done.status());
    assertEquals(List.of("compliance_team"), done.decisions().get(2).roles());
  }

  @Test
  void aPolicyWithAtLeastOneRoleApprovesWithOneHolder() {
    var kit = withPolicy(UUID.randomUUID(), "standard_request", 40);
    assertEquals(ApprovalCodes.SELF_APPROVAL,
        errorCode(decideAs(kit, "requester", List.of("tenant_admin"), true).reply()));
    assertEquals(ApprovalStatus.APPROVED,
        view(decideAs(kit, "admin", List.of("tenant_admin"), true).reply()).status());
  }

  @Test
  void aRejectionOfARoleHolderRejectsAPolicyRequest() {
    var kit = withPolicy(UUID.randomUUID(), "critical_deployment", 95);
    decideAs(kit, "lead", List.of("engineering_lead"), true);
    assertEquals(ApprovalStatus.REJECTED, view(decideAs(kit, "sec", List.of("security_team"), false).reply()).status());
  }

  @Test
  void theStandardPolicyApprovesALowRiskRequestOnCreation() {
    UUID id = UUID.randomUUID();
    var kit = withPolicy(id, "standard_request", 29);
    View v = view(kit.<StatusReply<View>>runCommand(ApprovalRequest.Get::new).reply());
    assertEquals(ApprovalStatus.APPROVED, v.status());
    assertEquals(0, v.decisions().size());
    assertTrue(v.finalReason().contains("automatically"), v.finalReason());
    var atThreshold = withPolicy(UUID.randomUUID(), "standard_request", 30);
    assertEquals(ApprovalStatus.PENDING,
        view(atThreshold.<StatusReply<View>>runCommand(ApprovalRequest.Get::new).reply()).status());
  }

  @Test
  void aPolicyRequestEscalatesAtOneTwoAndThreeOfItsStepsThenTimesOut() {
    var kit = withPolicy(UUID.randomUUID(), "critical_deployment", 95); // step 1 h, timeout 4 h
    clock.advance(Duration.ofMinutes(59));
    assertTrue(kit.runCommand(ApprovalRequest.Tick.INSTANCE).hasNoEvents());
    for (int level = 2; level <= 4; level++) {
      clock.advance(level == 2 ? Duration.ofMinutes(1) : Duration.ofHours(1));
      var r = kit.runCommand(ApprovalRequest.Tick.INSTANCE);
      assertEquals(level, ((ApprovalRequest.Escalated) r.event()).escalation().level());
    }
    clock.advance(Duration.ofHours(1));
    var expired = kit.runCommand(ApprovalRequest.Tick.INSTANCE);
    assertEquals(ApprovalStatus.EXPIRED, ((ApprovalRequest.Finalized) expired.event()).status());
  }
}
