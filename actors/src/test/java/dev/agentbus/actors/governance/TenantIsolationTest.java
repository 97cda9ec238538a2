package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static dev.agentbus.actors.governance.StructureStepTest.assertDenied;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import org.junit.jupiter.api.Test;

class TenantIsolationTest {

  private final GovernancePipeline pipeline = Fixtures.pipeline();

  @Test
  void refusesRecipientOfAnotherTenantAndNamesIt() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").tenant("tenant_A").through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, "tenant_A"), agent("target", MaciRole.EXECUTIVE, "tenant_B"));
    assertDenied(d, ReasonCodes.TENANT_MISMATCH);
    assertEquals(1, d.reasons().size());
    assertEquals("Tenant mismatch: message tenant_id 'tenant_A' does not match recipient tenant_id 'tenant_B'",
        d.reasons().get(0).message());
  }

  @Test
  void refusesUntenantedMessageBetweenTenantedAgentsAndNamesTheSenderTenant() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").tenant(null).through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, "tenant_A"), agent("target", MaciRole.EXECUTIVE, "tenant_A"));
    assertDenied(d, ReasonCodes.TENANT_MISMATCH);
    assertEquals("Tenant mismatch: message tenant_id 'none' does not match sender tenant_id 'tenant_A'",
        d.reasons().get(0).message());
    assertEquals("Tenant mismatch: message tenant_id 'none' does not match recipient tenant_id 'tenant_A'",
        d.reasons().get(1).message());
  }

  @Test
  void admitsSameTenantOnBothSides() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").tenant("tenant_A").through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, "tenant_A"), agent("target", MaciRole.EXECUTIVE, "tenant_A"));
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void treatsBlankTenantAsNoTenant() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").tenant("  ").through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, ""), agent("target", MaciRole.EXECUTIVE, null));
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void printsNoneForAnUntenantedAgent() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").tenant("tenant_A").through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, "tenant_A"), agent("target", MaciRole.EXECUTIVE, " "));
    assertEquals("Tenant mismatch: message tenant_id 'tenant_A' does not match recipient tenant_id 'none'",
        d.reasons().get(0).message());
  }

  @Test
  void leavesUnregisteredRecipientToRouting() {
    Decision d = msg(MessageType.COMMAND, "exec", "nobody").tenant("tenant_A").through(pipeline,
        agent("exec", MaciRole.EXECUTIVE, "tenant_A"), null);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void checksTenantsBeforeMaci() {
    Decision d = msg(MessageType.COMMAND, "judge", "target").tenant("tenant_A").through(pipeline,
        agent("judge", MaciRole.JUDICIAL, "tenant_B"), null);
    assertDenied(d, ReasonCodes.TENANT_MISMATCH);
  }
}
