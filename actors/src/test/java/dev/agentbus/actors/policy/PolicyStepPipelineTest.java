package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.GovernanceStep;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.governance.ReasonCodes;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.policy.PolicyRule.Effect;
import dev.agentbus.actors.policy.PolicyRule.Enforcement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** require_deliberation rules through the real pipeline, and the bundle digest on every decision. */
class PolicyStepPipelineTest {

  private final AgentProfile exec = PolicyFixtures.agent("exec", MaciRole.EXECUTIVE, null, Map.of());
  private final AgentProfile target = PolicyFixtures.agent("target", MaciRole.EXECUTIVE, null, Map.of());

  private static CompiledBundle compile(PolicyRule... rules) {
    return CompiledBundle.compile(PolicyFixtures.bundle(rules), PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
  }

  private static PolicyRule holdCommands() {
    return PolicyFixtures.rule("hold-commands", "message.type == 'command'").withEffect(Effect.REQUIRE_DELIBERATION);
  }

  private Decision decide(GovernanceStep... steps) {
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY,
        OutputRegistry.bounded(10), List.of(steps));
    return p.evaluate(msg().sender(exec).recipient(target).request());
  }

  @Test
  void aMatchingRequireDeliberationRuleHoldsALowImpactMessage() {
    CompiledBundle b = compile(holdCommands());
    Decision d = decide(b.asPolicyStep());
    assertEquals(Decision.Outcome.DELIBERATE, d.outcome(), d::toString);
    assertEquals("policy_deliberation:hold-commands", d.reasons().get(0).code());
    assertTrue(d.reasons().stream().noneMatch(r -> r.code().equals(ReasonCodes.HIGH_IMPACT)), "low impact");
    assertEquals(b.digest(), d.annotations().get("policy.digest"));
    assertEquals("hold-commands", d.annotations().get("policy.deliberate"));
    assertTrue(d.annotations().containsKey("impact.semantic"), "reviewers still see the impact features");
  }

  @Test
  void aLaterDenialWinsOverAnEarlierDeliberation() {
    CompiledBundle hold = compile(holdCommands());
    CompiledBundle deny = compile(PolicyFixtures.rule("no-commands", "message.type == 'command'"));
    Decision d = decide(hold.asPolicyStep(), deny.asPolicyStep());
    assertEquals(Decision.Outcome.DENY, d.outcome());
    assertEquals("policy_denied:no-commands", d.reasonCodes());
    assertEquals("policy_denied:no-commands", d.annotations().get(ReasonCodes.REJECTION_REASON));
  }

  @Test
  void aDenyingRuleWinsOverADeliberationInTheSameBundle() {
    Decision d = decide(compile(holdCommands(), PolicyFixtures.rule("no-commands", "message.type == 'command'"))
        .asPolicyStep());
    assertEquals("policy_denied:no-commands", d.reasonCodes());
  }

  @Test
  void everyDecisionRecordsTheDigestOfTheBundleThatMadeIt() {
    CompiledBundle allow = compile(PolicyFixtures.rule("never", "false"));
    Decision allowed = decide(allow.asPolicyStep());
    assertEquals(Decision.Outcome.ALLOW, allowed.outcome());
    assertEquals(allow.digest(), allowed.annotations().get("policy.digest"));
    assertEquals("test@1", allowed.annotations().get("policy.bundle"));

    CompiledBundle deny = compile(PolicyFixtures.rule("always", "true"));
    assertEquals(deny.digest(), decide(deny.asPolicyStep()).annotations().get("policy.digest"));
  }

  @Test
  void aDryrunDeliberationRuleOnlyRecordsWhatItWouldHaveDone() {
    Decision d = decide(compile(holdCommands().withEnforcement(Enforcement.DRYRUN)).asPolicyStep());
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertEquals("hold-commands", d.annotations().get("policy.dryrun"));
  }

  @Test
  void aPlainStepStillOnlyDenies() {
    Decision d = decide(compile(holdCommands()).asStep());
    assertEquals(Decision.Outcome.ALLOW, d.outcome(), "asStep() ignores deliberation, as before");
    assertFalse(d.annotations().containsKey("policy.digest"));
  }

  @Test
  void aPolicyStepThatThrowsDeniesWithGovernanceError() {
    dev.agentbus.actors.governance.PolicyStep broken = r -> {
      throw new IllegalStateException("boom");
    };
    Decision d = decide(broken);
    assertEquals(ReasonCodes.GOVERNANCE_ERROR, d.reasonCodes());
  }
}
