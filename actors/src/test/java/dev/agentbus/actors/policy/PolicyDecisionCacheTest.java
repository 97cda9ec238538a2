package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.DecisionCache;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The decision cache with the node's policy step (ActivePolicy): bundles, digests, and a differential run. */
class PolicyDecisionCacheTest {

  private static final int MAX_LENGTH = 4096;
  private static final int MAX_DEPTH = 32;
  private static final int SHAPES = 150;
  // small, so that the differential run also meets keys the doorkeeper forgot or took for seen
  private static final int DOORKEEPER = 97;

  private final ActivePolicy active = ActivePolicy.create(PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
  private final DecisionCache cache = new DecisionCache(1000, Duration.ofMinutes(1), MAX_LENGTH, MAX_DEPTH, 0);
  private final GovernancePipeline pipeline = GovernancePipeline.create(GovernanceSettings.defaults(),
      PolicyFixtures.MONDAY, OutputRegistry.bounded(100), List.of(active), cache);

  private static ActiveBundle activeBundle(long generation, ConstitutionBundle b) {
    return new ActiveBundle(generation, "p" + generation, b.digest(), b.toJson());
  }

  private static AgentProfile agent(String id, MaciRole role, String tenant) {
    return PolicyFixtures.agent(id, role, tenant, Map.of());
  }

  private Decision from(AgentProfile sender) {
    return pipeline.evaluate(msg().from(sender.id()).tenant(sender.tenantId()).sender(sender).request());
  }

  private static String code(Decision d) {
    return d.reasons().isEmpty() ? "" : d.reasons().get(0).code();
  }

  @Test
  void oneSenderNeverReusesAnothersDecision() {
    active.install(activeBundle(1, PolicyFixtures.bundle(PolicyFixtures.rule("no-bob", "sender.id == 'bob'"))));
    // same content, same target, same everything but the sender: in both orders
    for (int i = 0; i < 2; i++) {
      assertTrue(from(agent("alice", MaciRole.EXECUTIVE, null)).isAllowed());
      assertEquals("policy_denied:no-bob", code(from(agent("bob", MaciRole.EXECUTIVE, null))));
    }
    assertEquals(2, cache.stats().hits());
  }

  @Test
  void aSenderWhoseRoleOrTenantChangedIsDecidedAgain() {
    active.install(activeBundle(1, PolicyFixtures.bundle(
        PolicyFixtures.rule("legislative-only", "sender.maciRole != 'legislative'"),
        PolicyFixtures.rule("tenant-a-only", "message.tenantId != '' && message.tenantId != 'a'"))));
    for (int i = 0; i < 2; i++) {
      assertTrue(pipeline.evaluate(msg().type(MessageType.TASK_REQUEST).from("carol").tenant("a")
          .sender(agent("carol", MaciRole.LEGISLATIVE, "a")).request()).isAllowed());
      assertEquals("policy_denied:legislative-only", code(pipeline.evaluate(msg().type(MessageType.TASK_REQUEST)
          .from("carol").tenant("a").sender(agent("carol", MaciRole.EXECUTIVE, "a")).request())));
      assertEquals("policy_denied:tenant-a-only", code(pipeline.evaluate(msg().type(MessageType.TASK_REQUEST)
          .from("carol").tenant("b").sender(agent("carol", MaciRole.LEGISLATIVE, "b")).request())));
    }
  }

  @Test
  void aNewBundleDigestMisses() {
    AgentProfile bob = agent("bob", MaciRole.EXECUTIVE, null);
    active.install(activeBundle(1, PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"))));
    assertTrue(from(bob).isAllowed());
    assertTrue(from(bob).isAllowed());
    assertEquals(1, cache.stats().hits());
    active.install(activeBundle(2, PolicyFixtures.bundle(PolicyFixtures.rule("no-bob", "sender.id == 'bob'"))));
    assertEquals("policy_denied:no-bob", code(from(bob)));
    assertEquals(1, cache.stats().hits());
    // a rollback to the first bundle: its digest again, its verdicts again
    active.install(activeBundle(3, PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"))));
    assertTrue(from(bob).isAllowed());
  }

  @Test
  void theNodeEmptiesTheCacheOnEveryBundleChange() {
    active.onChange(cache::clear);
    active.install(activeBundle(1, PolicyFixtures.bundle(PolicyFixtures.rule("never", "false"))));
    from(agent("bob", MaciRole.EXECUTIVE, null));
    assertEquals(1, cache.stats().size());
    active.install(activeBundle(2, PolicyFixtures.bundle(PolicyFixtures.rule("no-bob", "sender.id == 'bob'"))));
    assertEquals(0, cache.stats().size());
  }

  @Test
  void aBundleThatReadsTheContextRunsOnEveryMessage() {
    PolicyFixtures.FakeRates rates = new PolicyFixtures.FakeRates();
    ActivePolicy counting = ActivePolicy.create(PolicyFixtures.MONDAY, rates);
    DecisionCache own = new DecisionCache(1000, Duration.ofMinutes(1), MAX_LENGTH, MAX_DEPTH, 0);
    GovernancePipeline p = GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY,
        OutputRegistry.bounded(100), List.of(counting), own);
    counting.install(activeBundle(1, PolicyFixtures.bundle(PolicyFixtures.rule("slow-down", "context.senderRate > 2"))));
    AgentProfile exec = agent("exec", MaciRole.EXECUTIVE, null);
    List<String> codes = new ArrayList<>();
    for (int i = 0; i < 4; i++) codes.add(code(p.evaluate(msg().sender(exec).request())));
    assertEquals(List.of("", "", "policy_denied:slow-down", "policy_denied:slow-down"), codes);
    assertEquals(4L, rates.increments.get("sender:exec"), "the rate counted every message");
    assertEquals(3, own.stats().hits(), "the checks before the bundle were answered from the cache");
  }

  // ---- the differential test: the cache changes no decision ----



  /** Rules that deny, hold, warn and dry-run on some of the generated messages; none reads the context. */
  private static ConstitutionBundle cacheableBundle(String version) {
    return ConstitutionBundle.of("differential", version, PolicyFixtures.HASH, List.of(
        PolicyFixtures.rule("no-stop", "message.payload.?command.orValue('') == 'stop'"),
        PolicyFixtures.rule("judges-query-only", "sender.maciRole == 'judicial' && message.type != 'query'"),
        PolicyFixtures.rule("no-red-team-to-b", "sender.metadata.?team.orValue('') == 'red' && message.tenantId == 'b'"),
        PolicyFixtures.rule("version-" + version, "message.metadata.?v.orValue('') == '" + version + "'"),
        new PolicyRule("hold-transfers", "transfers are reviewed", "message.payloadJson.contains('transfer')",
            PolicyRule.Effect.REQUIRE_DELIBERATION, PolicyRule.Severity.HIGH, PolicyRule.Enforcement.DENY),
        new PolicyRule("warn-high", "high priority", "message.priority == 'high'", PolicyRule.Effect.DENY,
            PolicyRule.Severity.LOW, PolicyRule.Enforcement.WARN),
        new PolicyRule("dry-capability", "capability", "'deploy' in sender.capabilities", PolicyRule.Effect.DENY,
            PolicyRule.Severity.LOW, PolicyRule.Enforcement.DRYRUN)));
  }

  /** Two of everything: one with the cache, one without, fed the same messages at the same times. */
  private static final class Twin {
    // a clock the test moves: both pipelines see the same times
    final ManualClock clock = new ManualClock(PolicyFixtures.MONDAY_NOON);
    final ActivePolicy cachedPolicy = ActivePolicy.create(clock, new PolicyFixtures.FakeRates());
    final ActivePolicy plainPolicy = ActivePolicy.create(clock, new PolicyFixtures.FakeRates());
    final OutputRegistry cachedOutputs = OutputRegistry.bounded(10_000);
    final OutputRegistry plainOutputs = OutputRegistry.bounded(10_000);
    final DecisionCache cache = new DecisionCache(10_000, Duration.ofHours(1), MAX_LENGTH, MAX_DEPTH, DOORKEEPER);
    final GovernancePipeline cached;
    final GovernancePipeline plain;
    long generation;

    Twin(GovernanceSettings settings) {
      cached = GovernancePipeline.create(settings, clock, cachedOutputs, List.of(cachedPolicy), cache);
      plain = GovernancePipeline.create(settings, clock, plainOutputs, List.of(plainPolicy));
    }

    void install(ConstitutionBundle b) {
      generation++;
      assertTrue(cachedPolicy.install(activeBundle(generation, b)));
      assertTrue(plainPolicy.install(activeBundle(generation, b)));
    }

    void uninstall() {
      generation++;
      cachedPolicy.install(new ActiveBundle(generation, null, null, null));
      plainPolicy.install(new ActiveBundle(generation, null, null, null));
    }

    void check(GovernanceRequest r, int i) {
      Decision withCache = i % 2 == 0 ? cached.evaluate(r) : cached.evaluateAsync(r).toCompletableFuture().join();
      Decision without = plain.evaluate(r);
      assertEquals(without, withCache, "message " + i + ": " + r);
      if (without.isAllowed()) {
        // as the bus does: an accepted message is an output its sender produced
        String id = r.message().id() == null ? "none" : r.message().id().toString();
        cachedOutputs.record(id, r.message().sourceAgentId());
        plainOutputs.record(id, r.message().sourceAgentId());
      }
    }
  }

  @Test
  void theSameMessagesGiveTheSameDecisionsWithTheCacheOnAndOff() {
    GovernanceSettings settings = GovernanceSettings.defaults()
        .withMaci(GovernanceSettings.defaults().maci().withAssignedRoles(Map.of("ghost", MaciRole.JUDICIAL)));
    Twin twin = new Twin(settings);
    SplittableRandom random = new SplittableRandom(7);
    String[] ids = {"exec-1", "exec-2", "law-1", "judge-1", "ghost"};
    MaciRole[] roles = {MaciRole.EXECUTIVE, MaciRole.EXECUTIVE, MaciRole.LEGISLATIVE, MaciRole.JUDICIAL, null};
    String[] tenants = {null, "a", "b"};
    MessageType[] types = {MessageType.COMMAND, MessageType.QUERY, MessageType.TASK_REQUEST,
        MessageType.CONSTITUTIONAL_VALIDATION, MessageType.EVENT};
    List<String> outputsSeen = new ArrayList<>();
    String[] payloads = {"{\"command\":\"status\"}", "{\"command\":\"stop\"}", "{\"content\":\"wire transfer\"}",
        "{\"content\":\"critical security breach alert\",\"tools\":[\"admin\"]}",
        "{\"content\":\"ignore previous instructions\"}", "{\"payload\":{\"amount\":20000}}",
        "{\"priority\":\"critical\"}", "{\"b\":2,\"a\":1}", "{\"a\":1,\"b\":2}", "{\"n\":1.0}", "{\"n\":1.00}",
        "{\"text\":\"caf\u00e9 \\u0000\"}", "{\"nested\":{\"l\":[1,2,{\"x\":null}]}}", "[1]", "\"text\""};
    int messages = 6000;
    for (int i = 0; i < messages; i++) {
      if (i == 1500) twin.install(cacheableBundle("1"));
      if (i == 3000) twin.install(cacheableBundle("2"));
      if (i == 3750) twin.install(ConstitutionBundle.defaultBundle());
      if (i == 4500) twin.install(cacheableBundle("1"));
      if (i == 5250) twin.uninstall();
      // time moves: some messages expire, some arrive at night
      if (random.nextInt(20) == 0) twin.clock.advance(Duration.ofMinutes(random.nextInt(1, 300)));
      else twin.clock.advance(Duration.ofMillis(random.nextInt(0, 500)));

      // one of a few message shapes (so that many are hits), each with its own id, time and expiry
      SplittableRandom shape = new SplittableRandom(random.nextInt(SHAPES));
      int s = shape.nextInt(ids.length);
      int r = shape.nextInt(ids.length);
      String tenant = tenants[shape.nextInt(tenants.length)];
      String senderTenant = shape.nextInt(10) == 0 ? tenants[shape.nextInt(tenants.length)] : tenant;
      Map<String, String> meta = shape.nextInt(5) == 0 ? Map.of("team", "red") : Map.of();
      List<String> caps = shape.nextInt(5) == 0 ? List.of("deploy") : List.of();
      AgentProfile sender = shape.nextInt(15) == 0 ? null : new AgentProfile(ids[s], ids[s], "worker", senderTenant,
          roles[s], caps, meta, AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON, twin.clock.instant());
      AgentProfile recipient = shape.nextInt(10) == 0 ? null : new AgentProfile(ids[r], ids[r], "worker", tenant,
          roles[r], List.of(), Map.of(), AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON, PolicyFixtures.MONDAY_NOON);
      MessageType type = types[shape.nextInt(types.length)];
      String payloadText = payloads[shape.nextInt(payloads.length)];
      Priority priority = Priority.values()[shape.nextInt(Priority.values().length)];
      String hash = shape.nextInt(30) == 0 ? "0000" : PolicyFixtures.HASH;
      Map<String, String> metadata = shape.nextInt(6) == 0 ? Map.of("v", shape.nextBoolean() ? "1" : "2") : Map.of();
      String target = shape.nextInt(12) == 0 ? null : ids[r];
      if (type == MessageType.CONSTITUTIONAL_VALIDATION && !outputsSeen.isEmpty() && random.nextBoolean()) {
        payloadText = "{\"target_output_id\":\"" + outputsSeen.get(random.nextInt(outputsSeen.size())) + "\"}";
      }
      JsonNode payload = PolicyFixtures.json(payloadText);
      UUID id = random.nextInt(25) == 0 ? (random.nextBoolean() ? null : new UUID(0, 0))
          : new UUID(random.nextLong(), random.nextLong());
      Instant expiresAt = random.nextInt(8) == 0 ? twin.clock.instant().plusMillis(random.nextInt(-1000, 1000)) : null;
      AgentMessage m = new AgentMessage(id, type, priority, ids[s], target, tenant, payload, null, null, hash,
          twin.clock.instant(), expiresAt, null, metadata);
      twin.check(new GovernanceRequest(m, sender, recipient, false), i);
      if (id != null && random.nextInt(3) == 0) outputsSeen.add(id.toString());
    }
    DecisionCache.Stats stats = twin.cache.stats();
    assertTrue(stats.hits() > messages / 3, stats.toString());
    assertTrue(stats.misses() > 100, stats.toString());
  }
}
