package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Inventory case 28: the guard's verdicts, fail closed, thresholds from the configuration. */
class OpaGuardTest {

  private static final OpaGuard.Policy ALLOWS = Optional::empty;
  private final OpaGuard guard = OpaGuard.create(RiskRules.defaults());

  @Test
  void deniesWhenThePolicyDeniesWhateverTheRisk() {
    OpaGuard.Policy denies = () -> Optional.of(new Reason("policy_denied:no-prod", "no production changes"));
    for (double risk : new double[] {0.0, 0.85, 1.0}) {
      OpaGuard.Result r = guard.verify(denies, risk);
      assertEquals(OpaGuard.Verdict.DENY, r.verdict());
      assertEquals(OpaGuard.POLICY_DENIED, r.reasons().get(0).code());
      assertTrue(r.reasons().get(0).message().contains("policy_denied:no-prod"));
      assertEquals(List.of(), r.requirements());
    }
  }

  @Test
  void deniesWhenTheEvaluationThrows() {
    OpaGuard.Policy broken = () -> {
      throw new IllegalStateException("secret detail");
    };
    OpaGuard.Result r = guard.verify(broken, 0.1);
    assertEquals(OpaGuard.Verdict.DENY, r.verdict());
    assertEquals(OpaGuard.GUARD_ERROR, r.reasons().get(0).code());
    assertTrue(!r.reasons().get(0).message().contains("secret detail"), "no exception text goes back");
    assertEquals(OpaGuard.Verdict.DENY, guard.verify(ALLOWS, Double.NaN).verdict(), "a broken risk denies too");
  }

  @Test
  void requiresAReviewFrom0_95() {
    OpaGuard.Result r = guard.verify(ALLOWS, 0.95);
    assertEquals(OpaGuard.Verdict.REQUIRE_REVIEW, r.verdict());
    assertEquals(OpaGuard.REQUIRES_REVIEW, r.reasons().get(0).code());
    assertEquals(List.of(Requirement.signature("supervisor"), Requirement.signature("compliance"),
        Requirement.criticReview("critic")), r.requirements());
  }

  @Test
  void requiresSignaturesFrom0_8Below0_95() {
    for (double risk : new double[] {0.8, 0.949}) {
      OpaGuard.Result r = guard.verify(ALLOWS, risk);
      assertEquals(OpaGuard.Verdict.REQUIRE_SIGNATURES, r.verdict());
      assertEquals(List.of(Requirement.signature("supervisor"), Requirement.signature("compliance")),
          r.requirements());
    }
  }

  @Test
  void allowsBelow0_8() {
    OpaGuard.Result r = guard.verify(ALLOWS, 0.79);
    assertEquals(OpaGuard.Verdict.ALLOW, r.verdict());
    assertEquals(List.of(), r.reasons());
    assertEquals(List.of(), r.requirements());
  }

  @Test
  void takesItsThresholdsFromTheConfiguration() {
    DeliberationSettings s = DeliberationSettings.fromConfig(ConfigFactory.parseString(
        "risk { signatures-at = 0.5, critic-review-at = 0.6, review-timeout = 10s }")
        .withFallback(ConfigFactory.defaultReference().getConfig("agentbus.deliberation")));
    OpaGuard configured = OpaGuard.create(s.risk());
    assertEquals(OpaGuard.Verdict.ALLOW, configured.verify(ALLOWS, 0.49).verdict());
    assertEquals(OpaGuard.Verdict.REQUIRE_SIGNATURES, configured.verify(ALLOWS, 0.5).verdict());
    assertEquals(OpaGuard.Verdict.REQUIRE_REVIEW, configured.verify(ALLOWS, 0.6).verdict());
    assertEquals(Duration.ofSeconds(10), s.risk().reviewTimeout());
  }

  @Test
  void readsThePipelinesDecisionAsItsPolicy() throws Exception {
    Decision held = new Decision(Decision.Outcome.DELIBERATE, List.of(new Reason("high_impact", "")), 0.9, Map.of());
    assertEquals(Optional.empty(), OpaGuard.policyOf(held).denial());
    Decision denied = new Decision(Decision.Outcome.DENY, List.of(new Reason("policy_denied:r1", "x")), 0, Map.of());
    assertEquals(OpaGuard.Verdict.DENY, guard.verify(OpaGuard.policyOf(denied), 0.1).verdict());
    assertEquals(OpaGuard.Verdict.REQUIRE_SIGNATURES, guard.verify(OpaGuard.policyOf(held), 0.9).verdict());
  }
}
