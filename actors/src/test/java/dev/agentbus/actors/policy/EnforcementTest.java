package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.bundle;
import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static dev.agentbus.actors.policy.PolicyFixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.policy.PolicyFixtures.FakeRates;
import dev.agentbus.actors.policy.PolicyRule.Effect;
import dev.agentbus.actors.policy.PolicyRule.Enforcement;
import dev.agentbus.actors.policy.RuleVerdict.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnforcementTest {

  private final FakeRates rates = new FakeRates();

  private CompiledBundle compile(PolicyRule... rules) {
    return CompiledBundle.compile(bundle(rules), PolicyFixtures.MONDAY, rates);
  }

  @Test
  void anEnforcedDenyThatMatchesDeniesWithItsIdAndDescription() {
    Optional<Reason> r = compile(rule("no-commands", "message.type == 'command'")).asStep().check(msg().request());
    assertEquals(Optional.of(new Reason("policy_denied:no-commands", "rule no-commands")), r);
  }

  @Test
  void dryrunAndWarnNeverBlockButRecordWhatTheyWouldHaveDone() {
    CompiledBundle b = compile(
        rule("dry", "true").withEnforcement(Enforcement.DRYRUN),
        rule("warned", "true").withEnforcement(Enforcement.WARN),
        rule("dry-hold", "true").withEffect(Effect.REQUIRE_DELIBERATION).withEnforcement(Enforcement.DRYRUN));
    PolicyOutcome o = b.evaluate(msg().request());
    assertEquals(Optional.empty(), o.denial());
    assertFalse(o.requiresDeliberation());
    assertEquals(List.of("dry", "dry-hold"), o.dryRuns().stream().map(RuleVerdict::ruleId).toList());
    assertEquals(List.of("warned"), o.warnings().stream().map(RuleVerdict::ruleId).toList());
    assertEquals("dry,dry-hold", o.annotations().get("policy.dryrun"));
    assertEquals("warned", o.annotations().get("policy.warn"));
    assertEquals(Optional.empty(), b.asStep().check(msg().request()));
  }

  @Test
  void aRuleThatFailsToEvaluateDeniesWithPolicyError() {
    CompiledBundle b = compile(rule("reads-missing", "message.payload.missing == 1"));
    PolicyOutcome o = b.evaluate(msg().request());
    RuleVerdict v = o.verdict("reads-missing").orElseThrow();
    assertEquals(Result.ERROR, v.result());
    assertTrue(v.error().contains("missing"), v.error());
    assertEquals("policy_error:reads-missing", o.denial().orElseThrow().code());
    // the evaluator's text is for the audit trail, not for the sender
    assertFalse(o.denial().orElseThrow().message().contains("not present"));
  }

  @Test
  void aResultThatIsNotABoolIsAnError() {
    CompiledBundle b = compile(rule("flag", "message.payload.flag"));
    assertEquals("policy_error:flag", b.evaluate(msg().payload("{\"flag\":\"yes\"}").request()).denial()
        .orElseThrow().code());
    assertEquals(Optional.empty(), b.evaluate(msg().payload("{\"flag\":false}").request()).denial());
  }

  @Test
  void aFailingDryrunOrWarnRuleDoesNotBlock() {
    CompiledBundle b = compile(
        rule("dry", "message.payload.missing == 1").withEnforcement(Enforcement.DRYRUN),
        rule("warned", "message.payload.missing == 1").withEnforcement(Enforcement.WARN));
    PolicyOutcome o = b.evaluate(msg().request());
    assertEquals(Optional.empty(), o.denial());
    assertEquals(1, o.dryRuns().size());
    assertEquals(1, o.warnings().size());
  }

  @Test
  void theFirstBlockingRuleInBundleOrderGivesTheReason() {
    CompiledBundle b = compile(
        rule("passes", "false"),
        rule("first", "true"),
        rule("second", "message.payload.missing == 1"));
    PolicyOutcome o = b.evaluate(msg().request());
    assertEquals("policy_denied:first", o.denial().orElseThrow().code());
    // every rule is still evaluated, for the audit trail
    assertEquals(Result.ERROR, o.verdict("second").orElseThrow().result());
  }

  @Test
  void anAllowNeverOverridesADeny() {
    CompiledBundle b = compile(rule("allow-all", "true").withEffect(Effect.ALLOW), rule("deny-all", "true"));
    assertEquals("policy_denied:deny-all", b.evaluate(msg().request()).denial().orElseThrow().code());
  }

  @Test
  void anEnforcedAllowThatFailsStillDenies() {
    CompiledBundle b = compile(rule("allow-broken", "message.payload.missing").withEffect(Effect.ALLOW));
    assertEquals("policy_error:allow-broken", b.evaluate(msg().request()).denial().orElseThrow().code());
  }

  @Test
  void requireDeliberationIsReportedNotDenied() {
    CompiledBundle b = compile(
        rule("hold", "message.priority == 'critical'").withEffect(Effect.REQUIRE_DELIBERATION),
        rule("hold-warn", "true").withEffect(Effect.REQUIRE_DELIBERATION).withEnforcement(Enforcement.WARN));
    PolicyOutcome o = b.evaluate(msg().priority(dev.agentbus.actors.model.Priority.CRITICAL).request());
    assertEquals(Optional.empty(), o.denial());
    assertTrue(o.requiresDeliberation());
    assertEquals(List.of(new Reason("policy_deliberation:hold", "rule hold")), o.deliberationReasons());
    assertEquals("hold", o.annotations().get("policy.deliberate"));
    assertEquals("hold-warn", o.annotations().get("policy.warn"));
  }

  @Test
  void aDenialOutranksADeliberation() {
    CompiledBundle b = compile(rule("hold", "true").withEffect(Effect.REQUIRE_DELIBERATION), rule("deny", "true"));
    PolicyOutcome o = b.evaluate(msg().request());
    assertTrue(o.denied());
    assertFalse(o.requiresDeliberation());
  }

  @Test
  void theStepHandsEveryOutcomeToItsObserver() {
    List<PolicyOutcome> seen = new ArrayList<>();
    CompiledBundle b = compile(rule("warned", "true").withEnforcement(Enforcement.WARN));
    assertEquals(Optional.empty(), b.asStep(seen::add).check(msg().request()));
    assertEquals(1, seen.size());
    assertEquals(b.digest(), seen.get(0).bundleDigest());
    assertEquals(b.digest(), seen.get(0).annotations().get("policy.digest"));
  }

  @Test
  void evaluationCountsTheMessageAndADryRunDoesNot() {
    CompiledBundle b = compile(rule("fast", "context.senderRate > 2 || context.tenantRate > 100"));
    b.dryRun(msg().tenant("t1").request());
    assertEquals(Map.of(), rates.increments);
    b.evaluate(msg().tenant("t1").request());
    assertEquals(Map.of("sender:exec", 1L, "tenant:t1", 1L), rates.increments);
    b.evaluate(msg().tenant("t1").request());
    assertEquals("policy_denied:fast", b.evaluate(msg().tenant("t1").request()).denial().orElseThrow().code());
    // a dry run sees the rate this message would have
    rates.set("sender:exec", 1);
    assertEquals(Optional.empty(), b.dryRun(msg().tenant("t1").request()).denial());
    rates.set("sender:exec", 2);
    assertTrue(b.dryRun(msg().tenant("t1").request()).denied());
  }

  @Test
  void rulesSeeTheDocumentedVariables() {
    CompiledBundle b = compile(rule("vars", String.join(" && ",
        "message.type == 'command'",
        "message.priority == 'normal'",
        "message.sourceAgentId == 'exec'",
        "message.targetAgentId == 'target'",
        "!message.broadcast",
        "message.tenantId == ''",
        "message.payload.n == 3",
        "message.payload.x > 2",
        "message.payload.nothing == null",
        "message.payload.list.exists(i, i == 'b')",
        "message.metadata.k == 'v'",
        "message.timestamp == timestamp('2025-06-02T12:00:00Z')",
        "!has(message.expiresAt)",
        "sender.maciRole == 'executive'",
        "sender.capabilities == []",
        "sender.status == 'active'",
        "recipient == {}",
        "context.now == timestamp('2025-06-02T12:00:00Z')",
        "context.epochSeconds == 1748865600",
        "context.hour == 12",
        "context.dayOfWeek == 1",
        "context.now.getDayOfWeek() == context.dayOfWeek",
        "context.now.getHours('Europe/Paris') == 14",
        "context.now - sender.lastSeen == duration('0s')",
        "sets.intersects(['a'], message.payload.list)",
        "'abc'.upperAscii() == 'ABC'",
        "context.windowSeconds == 60",
        "context.senderRate == 1",
        "bundle.id == 'test'",
        "size(bundle.digest) == 64")).withEffect(Effect.ALLOW));
    PolicyOutcome o = b.evaluate(msg()
        .payload("{\"n\":3,\"x\":2.5,\"nothing\":null,\"list\":[\"a\",\"b\"]}")
        .metadata(Map.of("k", "v"))
        .sender(PolicyFixtures.agent("exec", Map.of()))
        .request());
    assertEquals(Result.MATCHED, o.verdict("vars").orElseThrow().result(), o::toString);
  }
}
