package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.agent;
import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.policy.PolicyFixtures.FakeRates;
import dev.agentbus.actors.policy.PolicyFixtures.Msg;
import dev.agentbus.actors.policy.RuleVerdict.Result;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each rule of the default bundle allows what it should and denies what it should. */
class DefaultBundleTest {

  private static final ConstitutionBundle DEFAULT = ConstitutionBundle.defaultBundle();

  private final FakeRates rates = new FakeRates();
  private final CompiledBundle bundle = CompiledBundle.compile(DEFAULT, PolicyFixtures.MONDAY, rates);

  private static AgentProfile withRole(String role) {
    return agent("exec", Map.of("role", role));
  }

  /** The rule matched and its denial is the outcome's (no earlier rule got in the way). */
  private void assertDenies(String ruleId, Msg m) {
    PolicyOutcome o = bundle.evaluate(m.request());
    assertEquals(Result.MATCHED, o.verdict(ruleId).orElseThrow().result(), () -> ruleId + ": " + o);
    assertEquals(Optional.of("policy_denied:" + ruleId), o.denial().map(Reason::code), o::toString);
  }

  /** The rule did not match and no rule failed to evaluate. */
  private void assertAllows(String ruleId, Msg m) {
    PolicyOutcome o = bundle.evaluate(m.request());
    assertEquals(Result.NOT_MATCHED, o.verdict(ruleId).orElseThrow().result(), () -> ruleId + ": " + o);
    assertTrue(o.verdicts().stream().noneMatch(v -> v.result() == Result.ERROR), o::toString);
  }

  @Test
  void theDefaultBundleCarriesTheDefaultConstitutionalHash() {
    assertEquals(GovernanceSettings.DEFAULT_CONSTITUTIONAL_HASH, DEFAULT.constitutionalHash());
    assertEquals(12, DEFAULT.rules().size());
  }

  @Test
  void anOrdinaryMessagePassesEveryRule() {
    PolicyOutcome o = bundle.evaluate(msg().sender(agent("exec", Map.of())).recipient(agent("target", Map.of()))
        .request());
    assertEquals(Optional.empty(), o.denial());
    assertTrue(o.verdicts().stream().allMatch(v -> v.result() == Result.NOT_MATCHED), o::toString);
    assertFalse(o.requiresDeliberation());
  }

  @Test
  void constitutionalHashMustBeTheBundles() {
    assertDenies("compliance.constitutional-hash", msg().hash("0000000000000000"));
    assertAllows("compliance.constitutional-hash", msg());
  }

  @Test
  void requiredFieldsMustBePresent() {
    assertDenies("compliance.required-fields", msg().id(null));
    assertDenies("compliance.required-fields", msg().type(null));
    assertDenies("compliance.required-fields", msg().from(""));
    assertAllows("compliance.required-fields", msg());
  }

  @Test
  void contentIsLimitedToTenThousandCharacters() {
    // {"t":"..."} is 8 characters around the text
    assertAllows("compliance.content-length", msg().payload("{\"t\":\"" + "a".repeat(10_000 - 8) + "\"}"));
    assertDenies("compliance.content-length", msg().payload("{\"t\":\"" + "a".repeat(10_000 - 7) + "\"}"));
  }

  @Test
  void prohibitedTermsAreDeniedInAnyCaseAndAnywhereInTheContent() {
    assertDenies("compliance.prohibited-terms", msg().payload("{\"text\":\"run something malicious\"}"));
    assertDenies("compliance.prohibited-terms", msg().payload("{\"steps\":[{\"do\":\"Exploit the parser\"}]}"));
    assertDenies("compliance.prohibited-terms", msg().payload("{\"BACKDOOR\":true}"));
    assertAllows("compliance.prohibited-terms", msg().payload("{\"text\":\"a harmless request\"}"));
  }

  @Test
  void crossTenantMessagesAreDenied() {
    AgentProfile t1Sender = agent("exec", MaciRole.EXECUTIVE, "t1", Map.of());
    AgentProfile t1Target = agent("target", MaciRole.EXECUTIVE, "t1", Map.of());
    AgentProfile t2Target = agent("target", MaciRole.EXECUTIVE, "t2", Map.of());
    assertAllows("multitenant.same-tenant", msg().tenant("t1").sender(t1Sender).recipient(t1Target));
    assertDenies("multitenant.same-tenant", msg().tenant("t1").sender(t1Sender).recipient(t2Target));
    assertDenies("multitenant.same-tenant", msg().tenant("t2").sender(t1Sender));
    assertDenies("multitenant.same-tenant", msg().tenant("t1").sender(t1Sender).metadata(Map.of("tenant_id", "t2")));
    assertAllows("multitenant.same-tenant", msg().tenant("t1").sender(t1Sender).metadata(Map.of("tenant_id", "t1")));
    // no tenant anywhere is one tenant, and an unregistered broadcast recipient is not checked here
    assertAllows("multitenant.same-tenant", msg().to(null).sender(agent("exec", Map.of())));
  }

  @Test
  void rateLimitDependsOnTheRoleAndDeniesAboveIt() {
    Map<String, Long> limits = Map.of("admin", 1000L, "operator", 500L, "analyst", 200L, "developer", 100L,
        "service", 2000L, "", 50L, "unknown-role", 50L);
    for (Map.Entry<String, Long> e : limits.entrySet()) {
      AgentProfile sender = e.getKey().isEmpty() ? agent("exec", Map.of()) : withRole(e.getKey());
      // the counter reports the count with this message included
      rates.set("sender:exec", e.getValue() - 1);
      PolicyOutcome atLimit = bundle.evaluate(msg().sender(sender).request());
      assertEquals(Result.NOT_MATCHED, atLimit.verdict("ratelimit.per-role").orElseThrow().result(), e.getKey());
      rates.set("sender:exec", e.getValue());
      PolicyOutcome above = bundle.evaluate(msg().sender(sender).request());
      assertEquals(Optional.of("policy_denied:ratelimit.per-role"), above.denial().map(Reason::code), e.getKey());
    }
  }

  @Test
  void rateLimitAppliesToAnUnregisteredSenderAtTheDefault() {
    rates.set("sender:exec", 50);
    assertDenies("ratelimit.per-role", msg());
  }

  @Test
  void rolesMayOnlyTakeTheirActions() {
    assertAllows("rbac.role-permissions", msg().type(MessageType.QUERY).sender(withRole("analyst")));
    assertDenies("rbac.role-permissions", msg().type(MessageType.COMMAND).sender(withRole("analyst")));
    assertAllows("rbac.role-permissions", msg().type(MessageType.COMMAND).sender(withRole("operator")));
    assertDenies("rbac.role-permissions", msg().type(MessageType.EVENT).sender(withRole("operator")));
    assertAllows("rbac.role-permissions", msg().type(MessageType.EVENT).sender(withRole("developer")));
    assertDenies("rbac.role-permissions", msg().type(MessageType.HEARTBEAT).sender(withRole("developer")));
    assertAllows("rbac.role-permissions", msg().type(MessageType.HEARTBEAT).sender(withRole("service")));
    assertDenies("rbac.role-permissions", msg().type(MessageType.COMMAND).sender(withRole("service")));
    for (MessageType t : MessageType.values()) {
      assertAllows("rbac.role-permissions", msg().type(t).sender(withRole("admin")));
    }
  }

  @Test
  void anUnknownRoleIsDeniedAndNoRoleLeavesRbacToMaci() {
    assertDenies("rbac.role-permissions", msg().type(MessageType.QUERY).sender(withRole("superuser")));
    assertAllows("rbac.role-permissions", msg().type(MessageType.COMMAND).sender(agent("exec", Map.of())));
    assertAllows("rbac.role-permissions", msg().type(MessageType.COMMAND));
  }

  @Test
  void developersStayOutOfProduction() {
    assertDenies("rbac.developer-outside-production",
        msg().type(MessageType.QUERY).sender(withRole("developer")).metadata(Map.of("environment", "production")));
    assertDenies("rbac.developer-outside-production", msg().type(MessageType.QUERY).sender(withRole("developer"))
        .recipient(agent("target", Map.of("environment", "Production"))));
    assertAllows("rbac.developer-outside-production",
        msg().type(MessageType.QUERY).sender(withRole("developer")).metadata(Map.of("environment", "staging")));
    assertAllows("rbac.developer-outside-production",
        msg().type(MessageType.QUERY).sender(withRole("operator")).metadata(Map.of("environment", "production")));
  }

  @Test
  void protectedResourcesNeedTheirClearance() {
    AgentProfile two = agent("exec", Map.of("clearance", "2"));
    assertAllows("resources.clearance", msg().sender(two).metadata(Map.of("classification", "pii")));
    assertDenies("resources.clearance", msg().sender(two).metadata(Map.of("classification", "financial")));
    assertDenies("resources.clearance", msg().sender(agent("exec", Map.of())).metadata(Map.of("classification", "internal")));
    assertAllows("resources.clearance", msg().sender(agent("exec", Map.of())).metadata(Map.of("classification", "public")));
    assertAllows("resources.clearance", msg().sender(agent("exec", Map.of())));
  }

  @Test
  void anUnknownClassificationOrAnUnreadableClearanceIsDenied() {
    assertDenies("resources.clearance",
        msg().sender(agent("exec", Map.of("clearance", "9"))).metadata(Map.of("classification", "top-secret")));
    assertDenies("resources.clearance",
        msg().sender(agent("exec", Map.of("clearance", "high"))).metadata(Map.of("classification", "internal")));
  }

  @Test
  void sensitiveResourcesAreForAdminsOnly() {
    Map<String, String> sensitive = Map.of("classification", "sensitive");
    assertDenies("resources.sensitive-admin-only", msg().sender(withRole("operator")).metadata(sensitive));
    assertDenies("resources.sensitive-admin-only", msg().metadata(sensitive));
    assertAllows("resources.sensitive-admin-only", msg().sender(withRole("admin")).metadata(sensitive));
    assertAllows("resources.clearance", msg().sender(withRole("admin")).metadata(sensitive));
  }

  @Test
  void businessHoursAreADryRunThatNeverBlocks() {
    Clock saturday = Clock.fixed(Instant.parse("2025-06-07T12:00:00Z"), ZoneOffset.UTC);
    Clock mondayNight = Clock.fixed(Instant.parse("2025-06-02T20:00:00Z"), ZoneOffset.UTC);
    for (Clock c : List.of(saturday, mondayNight)) {
      PolicyOutcome o = CompiledBundle.compile(DEFAULT, c, new FakeRates()).evaluate(msg().request());
      assertEquals(Result.MATCHED, o.verdict("timebased.business-hours").orElseThrow().result());
      assertEquals(Optional.empty(), o.denial());
      assertEquals(List.of("timebased.business-hours"), o.dryRuns().stream().map(RuleVerdict::ruleId).toList());
    }
    assertAllows("timebased.business-hours", msg());
  }

  @Test
  void governanceRequestsAreHeldForDeliberation() {
    PolicyOutcome o = bundle.evaluate(msg().type(MessageType.GOVERNANCE_REQUEST).request());
    assertEquals(Optional.empty(), o.denial());
    assertTrue(o.requiresDeliberation());
    assertEquals(List.of("policy_deliberation:routing.governance-deliberation"),
        o.deliberationReasons().stream().map(Reason::code).toList());
    assertFalse(bundle.evaluate(msg().type(MessageType.COMMAND).request()).requiresDeliberation());
  }
}
