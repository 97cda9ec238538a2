package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PolicyStepsTest {

  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile judge = agent("judge", MaciRole.JUDICIAL);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);
  private final List<String> calls = new ArrayList<>();

  private DefaultGovernancePipeline pipeline(GovernanceStep... steps) {
    return (DefaultGovernancePipeline) GovernancePipeline.create(
        GovernanceSettings.defaults(), Fixtures.DAYTIME, OutputRegistry.bounded(10), List.of(steps));
  }

  private GovernanceStep recording(String name, Reason reason) {
    return r -> {
      calls.add(name);
      return Optional.ofNullable(reason);
    };
  }

  @Test
  void aPolicyReasonBecomesADenial() {
    Reason weekend = new Reason("policy_denied:no_weekend_deploys", "No deployments at weekends");
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(pipeline(recording("p", weekend)), exec, target);
    assertDenied(d, "policy_denied:no_weekend_deploys");
    assertEquals(List.of(weekend), d.reasons());
  }

  @Test
  void policyStepsRunAfterMaci() {
    DefaultGovernancePipeline p = pipeline(recording("p", null));
    assertDenied(msg(MessageType.COMMAND, "judge", "target").through(p, judge, target), ReasonCodes.MACI_ROLE_VIOLATION);
    assertEquals(List.of(), calls);
  }

  @Test
  void policyStepsRunBeforeScoring() {
    DefaultGovernancePipeline p = pipeline(recording("p", new Reason("policy_denied:x", "no")));
    // a CRITICAL message would be held for deliberation if it were scored
    Decision d = msg(MessageType.COMMAND, "exec", "target").priority(Priority.CRITICAL).through(p, exec, target);
    assertDenied(d, "policy_denied:x");
    assertNull(p.scorer().stateOf("exec"), "the scorer never saw the message");
  }

  @Test
  void policyStepsRunInOrderAndStopAtTheFirstDenial() {
    DefaultGovernancePipeline p = pipeline(
        recording("first", null), recording("second", new Reason("policy_denied:second", "no")),
        recording("third", null));
    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(p, exec, target), "policy_denied:second");
    assertEquals(List.of("first", "second"), calls);
  }

  @Test
  void passingPolicyStepsLeadToScoring() {
    DefaultGovernancePipeline p = pipeline(recording("first", null), recording("second", null));
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(p, exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertEquals(List.of("first", "second"), calls);
    assertNotNull(p.scorer().stateOf("exec"));
  }
}
