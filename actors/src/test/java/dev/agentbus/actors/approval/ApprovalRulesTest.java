package dev.agentbus.actors.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.approval.ApprovalRules.Outcome;
import dev.agentbus.actors.approval.ApprovalRules.Vote;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Inventory case 27: the multi-approver rules and the four default policies, plain Java. */
class ApprovalRulesTest {

  private static final List<String> SECURITY_AND_COMPLIANCE = List.of("security_team", "compliance_team");
  private final ApprovalPolicies policies =
      ApprovalPolicies.fromConfig(ConfigFactory.defaultReference().getConfig("agentbus.approvals"));

  private static Vote approve(String who, String... roles) {
    return new Vote(who, List.of(roles), true);
  }

  @Test
  void theRequesterMayNotApproveItsOwnRequest() {
    assertEquals(ApprovalCodes.SELF_APPROVAL,
        ApprovalRules.refusal("alice", List.of(), List.of(), "alice", List.of()).orElseThrow().code());
  }

  @Test
  void anApproverDecidesOnce() {
    assertEquals(ApprovalCodes.ALREADY_DECIDED, ApprovalRules.refusal("req", List.of(), List.of(approve("bob")),
        "bob", List.of()).orElseThrow().code());
  }

  @Test
  void onlyHoldersOfARequiredRoleMayDecide() {
    assertEquals(ApprovalCodes.ROLE_REQUIRED, ApprovalRules.refusal("req", SECURITY_AND_COMPLIANCE, List.of(), "bob",
        List.of("on_call")).orElseThrow().code());
    assertEquals(Optional.empty(), ApprovalRules.refusal("req", SECURITY_AND_COMPLIANCE, List.of(), "bob",
        List.of("on_call", "compliance_team")));
    assertEquals(Optional.empty(), ApprovalRules.refusal("req", List.of(), List.of(), "bob", List.of()),
        "no roles required: anyone but the requester");
  }

  @Test
  void oneRejectionRejectsWhateverTheApprovals() {
    assertEquals(Outcome.REJECTED, ApprovalRules.outcome(1, List.of(), false,
        List.of(approve("a"), approve("b"), new Vote("c", List.of(), false))));
  }

  @Test
  void approvalNeedsTheMinimumNumberOfApprovers() {
    assertEquals(Outcome.PENDING, ApprovalRules.outcome(2, List.of(), false, List.of(approve("a"))));
    assertEquals(Outcome.APPROVED, ApprovalRules.outcome(2, List.of(), false, List.of(approve("a"), approve("b"))));
  }

  @Test
  void withAllRolesRequiredEveryRoleMustBeAmongTheApprovers() {
    List<Vote> twoSecurity = List.of(approve("a", "security_team"), approve("b", "security_team"));
    assertEquals(Outcome.PENDING, ApprovalRules.outcome(2, SECURITY_AND_COMPLIANCE, true, twoSecurity));
    assertEquals(Outcome.APPROVED, ApprovalRules.outcome(2, SECURITY_AND_COMPLIANCE, true,
        List.of(approve("a", "security_team"), approve("b", "compliance_team"))));
  }

  @Test
  void withAtLeastOneRoleAnyRequiredRoleAmongTheApproversIsEnough() {
    List<Vote> twoSecurity = List.of(approve("a", "security_team"), approve("b", "security_team"));
    assertEquals(Outcome.APPROVED, ApprovalRules.outcome(2, SECURITY_AND_COMPLIANCE, false, twoSecurity));
    assertFalse(ApprovalRules.rolesMet(SECURITY_AND_COMPLIANCE, false, List.of(approve("a", "on_call"))));
  }

  @Test
  void escalatesOneLevelPerStepUpToTheHighest() {
    Instant t0 = Instant.parse("2026-01-15T12:00:00Z");
    Duration step = Duration.ofHours(4);
    assertEquals(1, ApprovalRules.levelAt(t0, step, 4, t0.plus(Duration.ofHours(3))));
    assertEquals(2, ApprovalRules.levelAt(t0, step, 4, t0.plus(step)));
    assertEquals(3, ApprovalRules.levelAt(t0, step, 4, t0.plus(step.multipliedBy(2))));
    assertEquals(4, ApprovalRules.levelAt(t0, step, 4, t0.plus(step.multipliedBy(3))));
    assertEquals(4, ApprovalRules.levelAt(t0, step, 4, t0.plus(step.multipliedBy(9))));
  }

  @Test
  void theFourDefaultPoliciesAreTheOriginals() {
    ApprovalPolicy high = policies.named("high_risk_action").orElseThrow();
    assertEquals(SECURITY_AND_COMPLIANCE, high.requiredRoles());
    assertEquals(2, high.minApprovers());
    assertTrue(high.requireAllRoles());
    assertEquals(Duration.ofHours(24), high.timeout());
    assertEquals(Duration.ofHours(4), high.escalationStep());
    ApprovalPolicy change = policies.named("policy_change").orElseThrow();
    assertEquals(List.of("policy_owner", "platform_admin"), change.requiredRoles());
    assertEquals(Duration.ofHours(48), change.timeout());
    assertEquals(Duration.ofHours(8), change.escalationStep());
    ApprovalPolicy critical = policies.named("critical_deployment").orElseThrow();
    assertEquals(List.of("engineering_lead", "security_team", "on_call"), critical.requiredRoles());
    assertEquals(3, critical.minApprovers());
    assertEquals(Duration.ofHours(4), critical.timeout());
    assertEquals(Duration.ofHours(1), critical.escalationStep());
    ApprovalPolicy standard = policies.named("standard_request").orElseThrow();
    assertEquals(List.of("tenant_admin"), standard.requiredRoles());
    assertEquals(1, standard.minApprovers());
    assertFalse(standard.requireAllRoles());
    assertEquals(Duration.ofHours(72), standard.timeout());
    assertEquals(Duration.ofHours(24), standard.escalationStep());
  }

  @Test
  void choosesThePolicyByRisk() {
    assertEquals("critical_deployment", policies.forRisk(0.9).name());
    assertEquals("high_risk_action", policies.forRisk(0.89).name());
    assertEquals("high_risk_action", policies.forRisk(0.7).name());
    assertEquals("policy_change", policies.forRisk(0.5).name());
    assertEquals("standard_request", policies.forRisk(0.49).name());
  }

  @Test
  void onlyTheStandardPolicyApprovesBelow0_3ByItself() {
    ApprovalPolicy standard = policies.named("standard_request").orElseThrow();
    assertTrue(standard.autoApproves(0.29));
    assertFalse(standard.autoApproves(0.3));
    for (ApprovalPolicy p : policies.all()) {
      if (!p.name().equals("standard_request")) assertFalse(p.autoApproves(0.0), p.name());
    }
  }
}
