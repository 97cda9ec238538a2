package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The original's defects (inventory section 10) that touch governance, and acceptance case 17. */
class DefectRegressionTest {

  private static final String CONTENT = "{\"action\":\"deploy\",\"content\":\"release 42\"}";

  private final GovernancePipeline pipeline = Fixtures.pipeline();
  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);

  @Test
  void w2IdenticalContentFromAnUnregisteredSenderIsNeverAdmitted() {
    Decision first = msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).through(pipeline, exec, target);
    assertEquals(Decision.Outcome.ALLOW, first.outcome());

    Decision intruder = msg(MessageType.COMMAND, "intruder", "target").payload(CONTENT).through(pipeline, null, target);
    assertDenied(intruder, ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void w2IdenticalContentFromADifferentSenderIsJudgedOnItsOwnRole() {
    msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).through(pipeline, exec, target);
    Decision judge = msg(MessageType.COMMAND, "judge", "target").payload(CONTENT)
        .through(pipeline, agent("judge", MaciRole.JUDICIAL), target);
    assertDenied(judge, ReasonCodes.MACI_ROLE_VIOLATION);
  }

  @Test
  void w2AnEmptyIdIsRefusedEvenAfterTheSameContentPassed() {
    msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).through(pipeline, exec, target);
    assertDenied(msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).id(null).through(pipeline, exec, target),
        ReasonCodes.MISSING_MESSAGE_ID);
  }

  @Test
  void w2ARepeatedDecisionIsRecomputedNotReplayed() {
    Decision first = msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).through(pipeline, exec, target);
    Decision wrongHash = msg(MessageType.COMMAND, "exec", "target").payload(CONTENT).hash("0000000000000000")
        .through(pipeline, exec, target);
    assertEquals(Decision.Outcome.ALLOW, first.outcome());
    assertDenied(wrongHash, ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH);
  }

  @Test
  void w4AThrowingStepNeverAllows() {
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), Fixtures.DAYTIME,
        OutputRegistry.bounded(10), List.of(r -> {
          throw new RuntimeException("boom");
        }));
    for (int i = 0; i < 3; i++) {
      assertDenied(msg(MessageType.QUERY, "exec", "target").through(p, exec, target), ReasonCodes.GOVERNANCE_ERROR);
    }
  }

  @Test
  void w4AThrowingStepDoesNotSkipEarlierChecks() {
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), Fixtures.DAYTIME,
        OutputRegistry.bounded(10), List.of(r -> Optional.empty()));
    assertDenied(msg(MessageType.COMMAND, "exec", "target").payload("{\"content\":\"jailbreak\"}")
        .through(p, exec, target), ReasonCodes.PROMPT_INJECTION);
  }

  @Test
  void w5AnExpiredMessageIsRefused() {
    assertDenied(msg(MessageType.COMMAND, "exec", "target").expiresAt(Fixtures.NOON.minusMillis(1))
        .through(pipeline, exec, target), ReasonCodes.MESSAGE_EXPIRED);
  }

  @Test
  void w6TheProfileGivenDecidesSoAnUnregisteredSenderIsRefusedAfterAnotherPassed() {
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.QUERY, "exec", "target").payload(CONTENT).through(pipeline, exec, target).outcome());
    // same id string as a registered agent elsewhere is irrelevant: no profile handed in, no role
    assertDenied(msg(MessageType.QUERY, "exec", "target").payload(CONTENT).through(pipeline, null, target),
        ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void w13ContentOverTheLimitIsRefused() {
    String big = "{\"content\":\"" + "a".repeat(GovernanceSettings.DEFAULT_MAX_PAYLOAD_BYTES) + "\"}";
    assertDenied(msg(MessageType.COMMAND, "exec", "target").payload(big).through(pipeline, exec, target),
        ReasonCodes.PAYLOAD_TOO_LARGE);
  }

  @Test
  void w13StringContentIsRefused() {
    assertDenied(msg(MessageType.COMMAND, "exec", "target").payload(TextNode.valueOf("hello"))
        .through(pipeline, exec, target), ReasonCodes.INVALID_PAYLOAD);
  }

  @Test
  void w13ABlankSourceIsRefused() {
    assertDenied(msg(MessageType.COMMAND, "", "target").through(pipeline, null, target), ReasonCodes.MISSING_SOURCE);
  }

  @Test
  void highImpactMessagesAreHeldNotRejectedOrCrashing() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").priority(Priority.CRITICAL)
        .through(pipeline, exec, target);
    assertEquals(Decision.Outcome.DELIBERATE, d.outcome());
  }
}
