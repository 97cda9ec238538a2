package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.PolicyStep.Verdict;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The node's active bundle: install by generation, one compile per bundle, and its decision cache. */
class ActivePolicyTest {

  private final DecisionCache cache = new DecisionCache(1000, Duration.ofMinutes(1));
  private final ActivePolicy active = ActivePolicy.create(cache, PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());

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
  void aCacheableBundleAnswersARepeatedDecisionFromTheCache() {
    active.install(activeBundle(1, denyingBob()));
    GovernanceRequest r = from(agent("alice", MaciRole.EXECUTIVE, null));
    Verdict first = active.evaluate(r);
    Verdict second = active.evaluate(from(agent("alice", MaciRole.EXECUTIVE, null)));
    assertEquals(first, second);
    assertEquals(1, active.cacheStats().hits());
    assertEquals(1, active.cacheStats().misses());
  }

  @Test
  void theCacheIsDroppedWhenTheBundleChanges() {
    active.install(activeBundle(1, denyingBob()));
    active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null)));
    ConstitutionBundle allowAll = PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"));
    active.install(activeBundle(2, allowAll));
    assertEquals(0, active.cacheStats().size());
    assertTrue(active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))).denial().isEmpty());
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
    GovernanceRequest r = from(agent("alice", MaciRole.EXECUTIVE, null));
    active.evaluate(r);
    active.evaluate(r);
    assertEquals(0, active.cacheStats().hits() + active.cacheStats().misses());
  }

  // ---- W2: one sender never rides on another's decision ----

  @Test
  void oneSenderNeverReusesAnothersDecision() {
    active.install(activeBundle(1, denyingBob()));
    // same content, same target, same everything but the sender: in both orders
    assertTrue(active.evaluate(from(agent("alice", MaciRole.EXECUTIVE, null))).denial().isEmpty());
    assertTrue(active.evaluate(from(agent("bob", MaciRole.EXECUTIVE, null))).denial().isPresent());
    assertTrue(active.evaluate(from(agent("alice", MaciRole.EXECUTIVE, null))).denial().isEmpty());
  }

  @Test
  void aSenderWhoseRoleOrTenantChangedIsDecidedAgain() {
    ConstitutionBundle b = PolicyFixtures.bundle(
        PolicyFixtures.rule("exec-only", "sender.maciRole != 'executive'"),
        PolicyFixtures.rule("tenant-a-only", "message.tenantId != '' && message.tenantId != 'a'"));
    active.install(activeBundle(1, b));
    assertTrue(active.evaluate(from(agent("carol", MaciRole.EXECUTIVE, "a"))).denial().isEmpty());
    assertEquals("policy_denied:exec-only",
        active.evaluate(from(agent("carol", MaciRole.JUDICIAL, "a"))).denial().orElseThrow().code());
    assertEquals("policy_denied:tenant-a-only",
        active.evaluate(from(agent("carol", MaciRole.EXECUTIVE, "b"))).denial().orElseThrow().code());
  }

  @Test
  void everyInputOfTheDecisionChangesTheCacheKey() {
    AgentProfile alice = agent("alice", MaciRole.EXECUTIVE, "a");
    String d = "d".repeat(64);
    DecisionCache.Key base = DecisionCache.Key.of(msg().from("alice").tenant("a").sender(alice).request(), d);
    List<GovernanceRequest> variants = List.of(
        msg().from("bob").tenant("a").sender(agent("bob", MaciRole.EXECUTIVE, "a")).request(),
        msg().from("alice").tenant("a").sender(agent("alice", MaciRole.JUDICIAL, "a")).request(),
        msg().from("alice").tenant("b").sender(alice).request(),
        msg().from("alice").tenant("a").to("other").sender(alice).request(),
        msg().from("alice").tenant("a").type(MessageType.QUERY).sender(alice).request(),
        msg().from("alice").tenant("a").priority(Priority.HIGH).sender(alice).request(),
        msg().from("alice").tenant("a").payload("{\"command\":\"stop\"}").sender(alice).request(),
        msg().from("alice").tenant("a").metadata(Map.of("k", "v")).sender(alice).request(),
        msg().from("alice").tenant("a").sender(alice).recipient(agent("target", MaciRole.EXECUTIVE, "a")).request(),
        msg().from("alice").tenant("a").sender(PolicyFixtures.agent("alice", MaciRole.EXECUTIVE, "a",
            Map.of("clearance", "secret"))).request());
    for (GovernanceRequest v : variants) {
      assertNotEquals(base, DecisionCache.Key.of(v, d), v.toString());
    }
    assertNotEquals(base, DecisionCache.Key.of(msg().from("alice").tenant("a").sender(alice).request(), "e".repeat(64)));
    assertEquals(base, DecisionCache.Key.of(msg().from("alice").tenant("a").sender(alice).request(), d),
        "a new message id alone does not change it");
  }
}
