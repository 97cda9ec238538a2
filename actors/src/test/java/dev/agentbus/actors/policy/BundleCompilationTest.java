package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.bundle;
import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static dev.agentbus.actors.policy.PolicyFixtures.rule;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.policy.RuleVerdict.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundleCompilationTest {

  private static BundleCompilationException failing(PolicyRule... rules) {
    return assertThrows(BundleCompilationException.class,
        () -> CompiledBundle.compile(bundle(rules), PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates()));
  }

  @Test
  void aSyntaxErrorNamesTheRuleAndGivesTheCompilersMessage() {
    BundleCompilationException e = failing(rule("fine", "true"), rule("broken", "message.type =="));
    assertEquals("broken", e.ruleId());
    assertTrue(e.compilerMessage().contains("<input>:1:"), e.compilerMessage());
    assertTrue(e.getMessage().startsWith("rule 'broken' does not compile: "), e.getMessage());
  }

  @Test
  void anUndeclaredVariableDoesNotCompile() {
    BundleCompilationException e = failing(rule("who", "principal.id == 'x'"));
    assertTrue(e.compilerMessage().contains("undeclared reference to 'principal'"), e.compilerMessage());
  }

  @Test
  void anExpressionThatCannotBeABoolDoesNotCompile() {
    BundleCompilationException e = failing(rule("text", "'yes'"));
    assertTrue(e.compilerMessage().contains("expected type 'bool'"), e.compilerMessage());
  }

  @Test
  void everyFailingRuleIsListedInBundleOrder() {
    BundleCompilationException e = failing(rule("a", "(("), rule("b", "true"), rule("c", "size(1, 2, 3) > 0"));
    assertEquals(List.of("a", "c"), e.failures().stream().map(BundleCompilationException.Failure::ruleId).toList());
    assertTrue(e instanceof InvalidBundleException, "the API answers 422 for both");
  }

  @Test
  void aHundredRuleBundleCompilesAndEvaluatesEveryRule() {
    List<PolicyRule> rules = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      rules.add(rule("r" + i, "message.payload.n == " + i + " && message.type in ['command', 'query']"
          + " && !message.payloadJson.lowerAscii().contains('forbidden-" + i + "')"));
    }
    CompiledBundle b = CompiledBundle.compile(ConstitutionBundle.of("big", "1", PolicyFixtures.HASH, rules),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    PolicyOutcome o = b.evaluate(msg().payload("{\"n\":42}").request());
    assertEquals(100, o.verdicts().size());
    assertEquals(List.of("r42"), o.verdicts().stream().filter(RuleVerdict::matched).map(RuleVerdict::ruleId).toList());
    assertTrue(o.verdicts().stream().noneMatch(v -> v.result() == Result.ERROR));
    assertEquals("policy_denied:r42", o.denial().orElseThrow().code());
  }

  @Test
  void theDefaultBundleCompiles() {
    CompiledBundle b = CompiledBundle.compile(ConstitutionBundle.defaultBundle());
    assertEquals(ConstitutionBundle.defaultBundle().digest(), b.digest());
  }
}
