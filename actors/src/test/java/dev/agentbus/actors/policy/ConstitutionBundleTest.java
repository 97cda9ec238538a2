package dev.agentbus.actors.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.policy.PolicyRule.Effect;
import dev.agentbus.actors.policy.PolicyRule.Enforcement;
import dev.agentbus.actors.policy.PolicyRule.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConstitutionBundleTest {

  private static final String YAML = """
      id: ops
      version: "2.1"
      constitutionalHash: cdd01ef066bc6cf2
      rules:
        - id: no-weekend-deploys
          description: No deployments at weekends
          expression: |-
            message.payload.?action.orValue('') == 'deploy'
              && context.dayOfWeek in [0, 6]
          effect: deny
          severity: high
          enforcement: warn
        - id: hold-critical
          expression: message.priority == 'critical'
          effect: require_deliberation
      impact:
        threshold: 0.8
        weights: {semantic: 0.3, type: 0.05}
      limits:
        maxPayloadBytes: 65536
      """;

  // the same bundle: other key order, other layout, defaults spelled out
  private static final String JSON = """
      {"rules": [
         {"effect": "deny", "id": "no-weekend-deploys", "severity": "high", "enforcement": "warn",
          "description": "No deployments at weekends",
          "expression": "message.payload.?action.orValue('') == 'deploy'\\n  && context.dayOfWeek in [0, 6]"},
         {"id": "hold-critical", "expression": "message.priority == 'critical'", "effect": "require_deliberation",
          "severity": "medium", "enforcement": "deny", "description": ""}],
       "limits": {"maxPayloadBytes": 65536},
       "impact": {"weights": {"type": 0.05, "semantic": 0.3}, "threshold": 0.8},
       "constitutionalHash": "cdd01ef066bc6cf2", "version": "2.1", "id": "ops", "maci": {}}
      """;

  @Test
  void yamlAndJsonOfTheSameBundleHaveTheSameDigest() {
    ConstitutionBundle fromYaml = ConstitutionBundle.parse(YAML);
    ConstitutionBundle fromJson = ConstitutionBundle.parse(JSON);
    assertEquals(fromYaml, fromJson);
    assertEquals(fromYaml.digest(), fromJson.digest());
    assertTrue(fromYaml.digest().matches("[0-9a-f]{64}"));
  }

  @Test
  void theDigestSurvivesARoundTripThroughJsonAndYaml() {
    ConstitutionBundle d = ConstitutionBundle.defaultBundle();
    assertEquals(d.digest(), ConstitutionBundle.parse(d.toJson()).digest());
    assertEquals(d.digest(), ConstitutionBundle.parse(d.toYaml()).digest());
  }

  @Test
  void theDigestChangesWhenARuleChanges() {
    ConstitutionBundle b = ConstitutionBundle.parse(YAML);
    PolicyRule first = b.rules().get(0);
    ConstitutionBundle otherExpression = b.withRules(List.of(first.withExpression("true"), b.rules().get(1)));
    ConstitutionBundle otherEnforcement =
        b.withRules(List.of(first.withEnforcement(Enforcement.DENY), b.rules().get(1)));
    ConstitutionBundle reordered = b.withRules(List.of(b.rules().get(1), first));
    for (ConstitutionBundle changed : List.of(otherExpression, otherEnforcement, reordered, b.withVersion("2.2"))) {
      assertNotEquals(b.digest(), changed.digest());
    }
  }

  @Test
  void signaturesAreNotPartOfTheDigest() {
    ConstitutionBundle b = ConstitutionBundle.parse(YAML);
    ConstitutionBundle signed = b.withSignature(new ConstitutionBundle.Signature("k1", null, "AAAA"));
    assertEquals(b.digest(), signed.digest());
    assertEquals("Ed25519", signed.signatures().get(0).algorithm());
  }

  @Test
  void absentEnforcementAndSeverityDefaultToEnforcedAndMedium() {
    PolicyRule r = ConstitutionBundle.parse(YAML).rules().get(1);
    assertEquals(Effect.REQUIRE_DELIBERATION, r.effect());
    assertEquals(Enforcement.DENY, r.enforcement());
    assertEquals(Severity.MEDIUM, r.severity());
  }

  @Test
  void aMisspelledFieldIsRefusedRatherThanIgnored() {
    InvalidBundleException e = assertThrows(InvalidBundleException.class,
        () -> ConstitutionBundle.parse(YAML.replace("enforcement: warn", "enforcment: warn")));
    assertTrue(e.getMessage().contains("enforcment"), e.getMessage());
  }

  @Test
  void aDuplicateKeyIsRefused() {
    String twice = YAML.replace("effect: require_deliberation",
        "effect: require_deliberation\n    expression: 'true'");
    assertThrows(InvalidBundleException.class, () -> ConstitutionBundle.parse(twice));
  }

  @Test
  void invalidRulesAreRefused() {
    assertThrows(InvalidBundleException.class,
        () -> ConstitutionBundle.parse(YAML.replace("effect: deny", "effect: block")));
    assertThrows(InvalidBundleException.class,
        () -> ConstitutionBundle.parse(YAML.replace("effect: require_deliberation\n", "")));
    assertThrows(InvalidBundleException.class,
        () -> ConstitutionBundle.parse(YAML.replace("id: hold-critical", "id: no-weekend-deploys")));
    assertThrows(InvalidBundleException.class,
        () -> ConstitutionBundle.parse(YAML.replace("id: hold-critical", "id: 'hold:critical'")));
    assertThrows(InvalidBundleException.class, () -> ConstitutionBundle.parse(YAML.replace("id: ops\n", "")));
    assertThrows(InvalidBundleException.class, () -> ConstitutionBundle.parse("[1, 2]"));
    assertThrows(InvalidBundleException.class, () -> ConstitutionBundle.parse(""));
  }

  @Test
  void sectionsAreReadOnly() {
    ConstitutionBundle b = ConstitutionBundle.parse(YAML);
    assertEquals(0.8, b.impact().get("threshold"));
    assertThrows(UnsupportedOperationException.class, () -> b.limits().put("x", 1));
  }
}
