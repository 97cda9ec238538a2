package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.PolicyStep;
import dev.agentbus.actors.governance.PolicyStep.Verdict;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The node's active bundle: install by generation, one compile per bundle, and what it offers the
 * pipeline's decision cache (the cache itself: {@code PolicyDecisionCacheTest}).
 */
class ActivePolicyTest {

  private final ActivePolicy active = ActivePolicy.create(PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());

  private static ActiveBundle activeBundle(long generation, ConstitutionBundle b) {
    return new ActiveBundle(generation, "p" + generation, b.digest(), b.toJson());
  }

  private static ConstitutionBundle denyingBob() {
    return PolicyFixtures.bundle(PolicyFixtures.rule("no-bob", "sender.id == 'bob'"));
  }

  private static AgentProfile agent(String id, MaciRole role, String tenant) {
    return PolicyFixtures.agent(id, role, tenant, Map.of());
  }

  private GovernanceRequest from(AgentProfile sender) {
    return msg().from(sender.id()).tenant(sender.tenantId()).sender(sender).request();
  }

  @Test
  void withNoActiveBundleEveryMessagePasses() {
    assertEquals(Verdict.pass(), active.evaluate(msg().request()));
    assertEquals(Optional.empty(), active.digest());
  }

  @Test
  void anInstalledBundleDecidesAndNamesItsDigest() {
    ConstitutionBundle b = denyingBob();
    assertTrue(active.install(activeBundle(1, b)));
    Verdict v = active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null)));
    assertEquals("policy_denied:no-bob", v.denial().orElseThrow().code());
    assertEquals(b.digest(), v.annotations().get("policy.digest"));
    assertEquals(Optional.of(b.digest()), active.digest());
  }

  @Test
  void anOlderGenerationNeverReplacesANewerOne() {
    ConstitutionBundle newer = denyingBob();
    ConstitutionBundle older = PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"));
    active.install(activeBundle(5, newer));
    assertFalse(active.install(activeBundle(4, older)));
    assertEquals(Optional.of(newer.digest()), active.digest());
  }

  @Test
  void aBundleThatDoesNotMatchItsDigestIsNotInstalled() {
    ConstitutionBundle b = denyingBob();
    active.install(activeBundle(1, b));
    ConstitutionBundle other = PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"));
    assertFalse(active.install(new ActiveBundle(2, "p2", b.digest(), other.toJson())));
    assertFalse(active.install(new ActiveBundle(3, "p3", "0".repeat(64), "rules: [")));
    assertEquals(Optional.of(b.digest()), active.digest(), "the previous bundle stays");
  }

  @Test
  void noActiveBundleAfterAnEmptyActivationPasses() {
    active.install(activeBundle(1, denyingBob()));
    assertTrue(active.install(new ActiveBundle(2, null, null, null)));
    assertEquals(Verdict.pass(), active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))));
  }

  @Test
  void aCacheableBundleIsOfferedToTheDecisionCacheUnderItsDigest() {
    assertTrue(active.cacheable().isPresent(), "no bundle: every message passes, which may be cached");
    Object none = active.cacheable().orElseThrow().identity();
    ConstitutionBundle b = denyingBob();
    active.install(activeBundle(1, b));
    PolicyStep.Cacheable view = active.cacheable().orElseThrow();
    assertEquals(b.digest(), view.identity());
    assertNotEquals(none, view.identity());
    assertEquals("policy_denied:no-bob",
        view.step().evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))).denial().orElseThrow().code());
  }

  @Test
  void theCachedViewKeepsItsBundleWhenAnotherIsActivated() {
    active.install(activeBundle(1, denyingBob()));
    PolicyStep.Cacheable before = active.cacheable().orElseThrow();
    active.install(activeBundle(2, PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"))));
    // a decision under the old digest is still made by the old bundle, never the new one
    assertTrue(before.step().evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))).denied());
    assertTrue(active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))).denial().isEmpty());
  }

  @Test
  void listenersHearEveryChangeOfBundleButNotARepeatedOne() {
    List<String> heard = new ArrayList<>();
    active.onChange(() -> heard.add("changed"));
    ConstitutionBundle b = denyingBob();
    active.install(activeBundle(1, b));
    active.install(activeBundle(2, b));
    active.install(new ActiveBundle(3, null, null, null));
    assertEquals(List.of("changed", "changed"), heard);
  }

  @Test
  void rulesThatReadContextOrPerMessageFieldsAreNeverCached() {
    for (String expression : List.of("context.senderRate > 100", "context.hour < 9", "message.id == ''",
        "has(message.expiresAt)", "sender.lastSeen < timestamp('2020-01-01T00:00:00Z')", "size(message) > 100",
        "cel.bind(m, message, m.type == 'x')")) {
      CompiledBundle b = CompiledBundle.compile(PolicyFixtures.bundle(PolicyFixtures.rule("r", expression)));
      assertFalse(b.cacheable(), expression);
    }
    assertFalse(CompiledBundle.compile(ConstitutionBundle.defaultBundle()).cacheable(),
        "the default bundle has rate limits and business hours");
    assertTrue(CompiledBundle.compile(denyingBob()).cacheable());

    ConstitutionBundle rates = PolicyFixtures.bundle(PolicyFixtures.rule("r", "context.senderRate > 100"));
    active.install(activeBundle(1, rates));
    assertEquals(Optional.empty(), active.cacheable());
  }
}
