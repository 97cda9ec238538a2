package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.governance.ReasonCodes;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.policy.PolicyFixtures.Msg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compiled bundle as step 6 of the real pipeline: after MACI, before impact scoring. */
class PolicyPipelineTest {

  private final AgentProfile exec = PolicyFixtures.agent("exec", MaciRole.EXECUTIVE, null, Map.of());
  private final AgentProfile judge = PolicyFixtures.agent("judge", MaciRole.JUDICIAL, null, Map.of());
  private final AgentProfile target = PolicyFixtures.agent("target", MaciRole.EXECUTIVE, null, Map.of());
  private final List<PolicyOutcome> policyRuns = new ArrayList<>();
  private final CompiledBundle compiled = CompiledBundle.compile(
      ConstitutionBundle.defaultBundle(), PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());

  private GovernancePipeline pipeline(boolean withPolicy) {
    return GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY, OutputRegistry.bounded(10),
        withPolicy ? List.of(compiled.asStep(policyRuns::add)) : List.of());
  }

  private static Decision send(GovernancePipeline p, Msg m) {
    return p.evaluate(m.request());
  }

  @Test
  void aCleanMessageIsAllowed() {
    Decision d = send(pipeline(true), msg().sender(exec).recipient(target));
    assertEquals(Decision.Outcome.ALLOW, d.outcome(), d::toString);
    assertEquals(1, policyRuns.size());
  }

  @Test
  void aPolicyDenialIsTheDecision() {
    Decision d = send(pipeline(true), msg().payload("{\"command\":\"open a backdoor\"}").sender(exec).recipient(target));
    assertEquals(Decision.Outcome.DENY, d.outcome());
    assertEquals("policy_denied:compliance.prohibited-terms", d.reasonCodes());
    assertEquals("policy_denied:compliance.prohibited-terms", d.annotations().get(ReasonCodes.REJECTION_REASON));
  }

  @Test
  void maciDecidesBeforeThePolicy() {
    // a judicial agent may not send commands, and this one also breaks a policy rule
    Decision d = send(pipeline(true),
        msg().from("judge").payload("{\"command\":\"exploit\"}").sender(judge).recipient(target));
    assertEquals(ReasonCodes.MACI_ROLE_VIOLATION, d.reasonCodes());
    assertEquals(List.of(), policyRuns, "the policy step never ran");
  }

  @Test
  void thePolicyDecidesBeforeScoring() {
    Msg critical = msg().priority(Priority.CRITICAL).payload("{\"command\":\"malicious shutdown\"}")
        .sender(exec).recipient(target);
    Decision withoutPolicy = send(pipeline(false), critical);
    assertEquals(Decision.Outcome.DELIBERATE, withoutPolicy.outcome(), "scored, it would be held");
    Decision d = send(pipeline(true), critical);
    assertEquals("policy_denied:compliance.prohibited-terms", d.reasonCodes());
    assertEquals(0.0, d.impactScore(), "never scored");
  }

  @Test
  void aRuleThatFailsDeniesWithPolicyErrorNotGovernanceError() {
    CompiledBundle broken = CompiledBundle.compile(
        PolicyFixtures.bundle(PolicyFixtures.rule("needs-ticket", "message.payload.ticket.startsWith('OPS-')")),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY,
        OutputRegistry.bounded(10), List.of(broken.asStep()));
    assertEquals("policy_error:needs-ticket", send(p, msg().sender(exec).recipient(target)).reasonCodes());
    assertEquals(Decision.Outcome.ALLOW,
        send(p, msg().payload("{\"ticket\":\"NOT-1\"}").sender(exec).recipient(target)).outcome());
  }
}
