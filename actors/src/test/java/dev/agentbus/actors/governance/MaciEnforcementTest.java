package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.MaciEnforcement.Action;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MaciEnforcementTest {

  private final OutputRegistry outputs = OutputRegistry.bounded(1000);
  private final GovernancePipeline pipeline =
      GovernancePipeline.create(GovernanceSettings.defaults(), Fixtures.DAYTIME, outputs);

  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile lawmaker = agent("lawmaker", MaciRole.LEGISLATIVE);
  private final AgentProfile judge = agent("judge", MaciRole.JUDICIAL);
  private final AgentProfile judge2 = agent("judge2", MaciRole.JUDICIAL);

  @Test
  void isEnabledAndStrictByDefault() {
    assertTrue(GovernanceSettings.defaults().maci().enabled());
    assertTrue(GovernanceSettings.defaults().maci().strict());
  }

  @Test
  void admitsAnExecutiveCommand() {
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.COMMAND, "exec", "lawmaker").through(pipeline, exec, lawmaker).outcome());
  }

  @Test
  void refusesAJudicialCommandNamingTheAllowedRoles() {
    Decision d = msg(MessageType.COMMAND, "judge", "exec").through(pipeline, judge, exec);
    assertDenied(d, ReasonCodes.MACI_ROLE_VIOLATION);
    assertEquals("Agent 'judge' (judicial) cannot perform 'propose' - allowed roles: executive",
        d.reasons().get(0).message());
  }

  @Test
  void admitsJudicialValidationOfAnExecutive() {
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "exec").through(pipeline, judge, exec).outcome());
  }

  @Test
  void refusesJudicialValidationOfAJudicialAgent() {
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "judge2").through(pipeline, judge, judge2);
    assertDenied(d, ReasonCodes.MACI_CROSS_ROLE_VIOLATION);
    assertTrue(d.reasons().get(0).message().startsWith(
        "Cross-role validation error: judge (judicial) cannot validate judge2 (judicial)"));
  }

  @Test
  void refusesAJudgeValidatingItselfThroughTheTarget() {
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "judge").through(pipeline, judge, judge);
    assertDenied(d, ReasonCodes.MACI_CROSS_ROLE_VIOLATION);
  }

  @Test
  void refusesValidationOfAnOutputTheValidatorProduced() {
    outputs.record("out-1", "judge");
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "exec")
        .payload("{\"target_output_id\":\"out-1\"}").through(pipeline, judge, exec);
    assertDenied(d, ReasonCodes.MACI_SELF_VALIDATION);
    assertTrue(d.reasons().get(0).message().contains("[output: out-1]"));
  }

  @Test
  void admitsValidationOfAnotherAgentsOutput() {
    outputs.record("out-2", "exec");
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "exec")
        .payload("{\"target_output_id\":\"out-2\"}").through(pipeline, judge, exec);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void admitsALegislativeTaskRequestAndRefusesItsCommand() {
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.TASK_REQUEST, "lawmaker", "exec").through(pipeline, lawmaker, exec).outcome());
    assertDenied(msg(MessageType.COMMAND, "lawmaker", "exec").through(pipeline, lawmaker, exec),
        ReasonCodes.MACI_ROLE_VIOLATION);
  }

  @Test
  void refusesAnUnregisteredSenderInStrictModeEvenForAQuery() {
    Decision d = msg(MessageType.QUERY, "u1", "exec").through(pipeline, null, exec);
    assertDenied(d, ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
    assertEquals("Agent 'u1' has no MACI role assigned for operation: query", d.reasons().get(0).message());
  }

  @Test
  void refusesARegisteredSenderWithoutRoleInStrictMode() {
    Decision d = msg(MessageType.COMMAND, "plain", "exec").through(pipeline, agent("plain", null), exec);
    assertDenied(d, ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
    assertEquals("Agent 'plain' has no MACI role assigned for operation: propose", d.reasons().get(0).message());
  }

  @Test
  void nonStrictAdmitsUnregisteredSendersButStillRefusesRegisteredViolations() {
    GovernancePipeline lenient = Fixtures.pipeline(Fixtures.nonStrict());
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.COMMAND, "u1", "exec").through(lenient, null, exec).outcome());
    assertDenied(msg(MessageType.COMMAND, "judge", "exec").through(lenient, judge, exec),
        ReasonCodes.MACI_ROLE_VIOLATION);
  }

  @Test
  void nonStrictStillForbidsARolelessValidatorItsOwnOutput() {
    OutputRegistry recorded = OutputRegistry.bounded(10);
    recorded.record("mine", "u1");
    GovernancePipeline lenient = GovernancePipeline.create(Fixtures.nonStrict(), Fixtures.DAYTIME, recorded);
    assertDenied(msg(MessageType.CONSTITUTIONAL_VALIDATION, "u1", "exec")
        .payload("{\"target_output_id\":\"mine\"}").through(lenient, null, exec), ReasonCodes.MACI_SELF_VALIDATION);
    assertDenied(msg(MessageType.CONSTITUTIONAL_VALIDATION, "u1", "u1").through(lenient, null, null),
        ReasonCodes.MACI_SELF_VALIDATION);
  }

  @Test
  void disabledMaciChecksNoRoles() {
    GovernanceSettings d = GovernanceSettings.defaults();
    GovernancePipeline off = Fixtures.pipeline(d.withMaci(d.maci().withEnabled(false)));
    assertEquals(Decision.Outcome.ALLOW, msg(MessageType.COMMAND, "judge", "exec").through(off, judge, exec).outcome());
    assertEquals(Decision.Outcome.ALLOW, msg(MessageType.COMMAND, "u1", "exec").through(off, null, exec).outcome());
  }

  @ParameterizedTest
  @EnumSource(MessageType.class)
  void mapsEveryMessageTypeToTheOriginalsAction(MessageType type) {
    Map<MessageType, Action> expected = new EnumMap<>(MessageType.class);
    expected.put(MessageType.COMMAND, Action.PROPOSE);
    expected.put(MessageType.GOVERNANCE_REQUEST, Action.PROPOSE);
    expected.put(MessageType.GOVERNANCE_RESPONSE, Action.PROPOSE);
    expected.put(MessageType.CONSTITUTIONAL_VALIDATION, Action.VALIDATE);
    expected.put(MessageType.TASK_REQUEST, Action.SYNTHESIZE);
    expected.put(MessageType.TASK_RESPONSE, Action.SYNTHESIZE);
    expected.put(MessageType.QUERY, Action.QUERY);
    expected.put(MessageType.RESPONSE, Action.QUERY);
    expected.put(MessageType.EVENT, Action.QUERY);
    expected.put(MessageType.NOTIFICATION, Action.QUERY);
    expected.put(MessageType.HEARTBEAT, Action.QUERY);
    expected.put(MessageType.ERROR, Action.QUERY);
    assertEquals(expected.get(type), MaciEnforcement.actionFor(type));
  }

  @Test
  void letsEveryRoleReportAnError() {
    for (AgentProfile sender : new AgentProfile[] {exec, lawmaker, judge}) {
      assertEquals(Decision.Outcome.ALLOW,
          msg(MessageType.ERROR, sender.id(), "exec").through(pipeline, sender, exec).outcome());
    }
  }

  @Test
  void takesTheRoleFromTheMaciConfigWhenTheProfileHasNone() {
    GovernancePipeline configured = Fixtures.pipeline(Fixtures.withRoles(Map.of("cfg-judge", MaciRole.JUDICIAL)));
    assertDenied(msg(MessageType.COMMAND, "cfg-judge", "exec").through(configured, agent("cfg-judge", null), exec),
        ReasonCodes.MACI_ROLE_VIOLATION);
    assertEquals(Decision.Outcome.ALLOW, msg(MessageType.CONSTITUTIONAL_VALIDATION, "cfg-judge", "exec")
        .through(configured, null, exec).outcome());
  }

  @Test
  void prefersTheProfileRoleOverTheConfiguredOne() {
    GovernancePipeline configured = Fixtures.pipeline(Fixtures.withRoles(Map.of("exec", MaciRole.JUDICIAL)));
    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.COMMAND, "exec", "lawmaker").through(configured, exec, lawmaker).outcome());
  }

  @Test
  void neverAppliesTheDefaultRoleItself() {
    assertEquals(MaciRole.EXECUTIVE, GovernanceSettings.defaults().maci().defaultRole());
    assertDenied(msg(MessageType.COMMAND, "fresh", "exec").through(pipeline, agent("fresh", null), exec),
        ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void refusesValidationOfAnUnknownTargetWhileAgentsAreRegistered() {
    AgentMessage m = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "ghost").build();
    Decision d = pipeline.evaluate(new GovernanceRequest(m, judge, null, false));
    assertDenied(d, ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
    assertEquals("Agent 'ghost' has no MACI role assigned for operation: validate_target",
        d.reasons().get(0).message());
  }

  @Test
  void usesTheConfiguredTargetRoleWhileNoAgentIsRegistered() {
    GovernancePipeline configured = Fixtures.pipeline(Fixtures.withRoles(
        Map.of("judge", MaciRole.JUDICIAL, "cfg-exec", MaciRole.EXECUTIVE, "cfg-judge", MaciRole.JUDICIAL)));
    AgentMessage ok = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "cfg-exec").build();
    AgentMessage cross = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "cfg-judge").build();
    AgentMessage unknown = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "nobody").build();

    assertEquals(Decision.Outcome.ALLOW, configured.evaluate(new GovernanceRequest(ok, null, null, true)).outcome());
    assertDenied(configured.evaluate(new GovernanceRequest(cross, null, null, true)),
        ReasonCodes.MACI_CROSS_ROLE_VIOLATION);
    assertDenied(configured.evaluate(new GovernanceRequest(unknown, null, null, true)),
        ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void refusesValidationOfARolelessTargetInStrictMode() {
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "plain")
        .through(pipeline, judge, agent("plain", null));
    assertDenied(d, ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void checksTheProducersRoleWhenOnlyAnOutputIdIsGiven() {
    GovernancePipeline configured = GovernancePipeline.create(
        Fixtures.withRoles(Map.of("cfg-exec", MaciRole.EXECUTIVE, "cfg-judge", MaciRole.JUDICIAL)),
        Fixtures.DAYTIME, outputs);
    outputs.record("by-exec", "cfg-exec");
    outputs.record("by-judge", "cfg-judge");
    outputs.record("by-stranger", "stranger");

    assertEquals(Decision.Outcome.ALLOW, validateOutput(configured, "by-exec").outcome());
    assertDenied(validateOutput(configured, "by-judge"), ReasonCodes.MACI_CROSS_ROLE_VIOLATION);
    assertDenied(validateOutput(configured, "by-stranger"), ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
    assertDenied(validateOutput(configured, "never-recorded"), ReasonCodes.MACI_ROLE_NOT_ASSIGNED);
  }

  @Test
  void learnsTheProducersRoleFromTheRecipientProfile() {
    outputs.record("by-judge2", "judge2");
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "judge2")
        .payload("{\"target_output_id\":\"by-judge2\"}").through(pipeline, judge, judge2);
    assertDenied(d, ReasonCodes.MACI_CROSS_ROLE_VIOLATION);
  }

  @Test
  void nonStrictAdmitsAnOutputWhoseProducerIsUnknown() {
    GovernancePipeline lenient = Fixtures.pipeline(Fixtures.nonStrict());
    assertEquals(Decision.Outcome.ALLOW, validateOutput(lenient, "never-recorded").outcome());
  }

  @Test
  void refusesATargetOutputIdThatIsNotAString() {
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "exec")
        .payload("{\"target_output_id\":{\"id\":1}}").through(pipeline, judge, exec);
    assertDenied(d, ReasonCodes.INVALID_PAYLOAD);
  }

  @Test
  void anExceptionInsideMaciDeniesEvenInNonStrictMode() {
    OutputRegistry broken = new OutputRegistry() {
      @Override
      public void record(String outputId, String producerAgentId) {}

      @Override
      public java.util.Optional<String> producerOf(String outputId) {
        throw new IllegalStateException("registry down");
      }
    };
    GovernancePipeline lenient = GovernancePipeline.create(Fixtures.nonStrict(), Fixtures.DAYTIME, broken);
    Decision d = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", "exec")
        .payload("{\"target_output_id\":\"x\"}").through(lenient, judge, exec);
    assertDenied(d, ReasonCodes.GOVERNANCE_ERROR);
    assertEquals("maci", d.annotations().get("failed_step"));
  }

  @Test
  void validationWithoutTargetOrOutputHasNothingToRefuse() {
    AgentMessage m = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", null).build();
    Decision d = pipeline.evaluate(GovernanceRequest.of(m, judge, null));
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertNull(d.annotations().get(ReasonCodes.REJECTION_REASON));
  }

  private Decision validateOutput(GovernancePipeline p, String outputId) {
    AgentMessage m = msg(MessageType.CONSTITUTIONAL_VALIDATION, "judge", null)
        .payload("{\"target_output_id\":\"" + outputId + "\"}").build();
    return p.evaluate(GovernanceRequest.of(m, judge, null));
  }
}
