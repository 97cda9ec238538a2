package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** W4: an error inside governance denies; there is no degraded mode. */
class FailClosedTest {

  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);

  private static GovernancePipeline withPolicy(GovernanceStep step) {
    return GovernancePipeline.create(GovernanceSettings.defaults(), Fixtures.DAYTIME, OutputRegistry.bounded(10),
        List.of(step));
  }

  @Test
  void aThrowingPolicyStepDeniesWithGovernanceError() {
    GovernancePipeline p = withPolicy(r -> {
      throw new IllegalStateException("policy engine down");
    });
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(p, exec, target);
    assertDenied(d, ReasonCodes.GOVERNANCE_ERROR);
    assertEquals("policy[0]", d.annotations().get("failed_step"));
  }

  @Test
  void theErrorReasonCarriesNoExceptionMessageOrStackTrace() {
    GovernancePipeline p = withPolicy(r -> {
      throw new IllegalStateException("jdbc:postgresql://secret-host/db");
    });
    String text = msg(MessageType.COMMAND, "exec", "target").through(p, exec, target).reasons().get(0).message();
    assertFalse(text.contains("secret-host"), text);
    assertFalse(text.contains("\tat "), text);
    assertEquals("Governance step 'policy[0]' failed (IllegalStateException); message refused", text);
  }

  @Test
  void aPolicyStepReturningNullDenies() {
    GovernancePipeline p = withPolicy(r -> null);
    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(p, exec, target), ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void aStackOverflowInAPolicyStepDenies() {
    GovernancePipeline p = withPolicy(r -> {
      throw new StackOverflowError();
    });
    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(p, exec, target), ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void aFailingClockDenies() {
    Clock broken = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        throw new IllegalStateException("no time");
      }
    };
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), broken, OutputRegistry.bounded(10));
    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(p, exec, target), ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void aNullRequestDenies() {
    assertDenied(Fixtures.pipeline().evaluate(null), ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void aSenderProfileOfAnotherAgentDenies() {
    // handing in the wrong profile would let one agent borrow another's role
    Decision d = msg(MessageType.COMMAND, "intruder", "target").through(Fixtures.pipeline(), exec, target);
    assertDenied(d, ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void aRecipientProfileOfAnotherAgentDenies() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(Fixtures.pipeline(), exec,
        agent("someone-else", MaciRole.EXECUTIVE));
    assertDenied(d, ReasonCodes.GOVERNANCE_ERROR);
  }

  @Test
  void failuresDoNotDegradeLaterMessages() {
    int[] calls = {0};
    GovernancePipeline p = withPolicy(r -> {
      if (calls[0]++ == 0) throw new IllegalStateException("first call fails");
      return Optional.empty();
    });
    assertDenied(msg(MessageType.COMMAND, "exec", "target").through(p, exec, target), ReasonCodes.GOVERNANCE_ERROR);
    assertEquals(Decision.Outcome.ALLOW, msg(MessageType.COMMAND, "exec", "target").through(p, exec, target).outcome());
    assertDenied(msg(MessageType.COMMAND, "judge", "target").through(p, agent("judge", MaciRole.JUDICIAL), target),
        ReasonCodes.MACI_ROLE_VIOLATION);
  }
}
