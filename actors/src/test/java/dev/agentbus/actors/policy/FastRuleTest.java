package dev.agentbus.actors.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The fast path never disagrees with CEL: every verdict of the default bundle, of the benchmark's 100
 * rules and of rules written to hit its edges (missing keys, mixed int and double, non-bool results,
 * nulls, optional chains, macros, unicode) is compared with the CEL programs' own verdict over many
 * generated messages and profiles; and the fast path does answer most of them.
 */
class FastRuleTest {

  private static final List<String> EDGES = List.of(
      "message.payload.amount > 3",
      "message.payload.?amount.orValue(0) > 2.5",
      "message.payload.?amount.orValue(0) >= 3",
      "message.payload.?amount.orValue(0.0) > -0.0",
      "message.payload.?amount.orValue(0) == 5",
      "message.payload.?amount.orValue('') == 'x'",
      "has(message.payload.command)",
      "has(message.payload.command) && message.payload.command.startsWith('de')",
      "message.payload.command == 'deploy' || message.payload.x == 1",
      "message.payload.x == 1 || message.payload.command == 'deploy'",
      "message.payload.x == 1 && false",
      "false && message.payload.x == 1",
      "size(message.payload) > 1",
      "size(message.payloadJson) > 20",
      "message.payloadJson.contains('é')",
      "'environment' in message.metadata",
      "message.metadata.?environment.orValue('') == 'production-1'",
      "sender.capabilities.all(c, c != 'root-1')",
      "sender.?capabilities.orValue([]).exists(c, c == 'root-2')",
      "[1, 2].exists(x, x == context.senderRate)",
      "[0, 6].exists(d, d == context.dayOfWeek) || context.hour >= 18",
      "cel.bind(t, message.tenantId, t == '' || t == sender.?tenantId.orValue(''))",
      "!(message.type == 'command') ? true : false",
      "message.type == 'command' ? message.payload.?command.orValue('') == 'deploy' : false",
      "message.payload.?flag.orValue(false)",
      "message.payload.?n.orValue(1) == null",
      "message.payload.?list.orValue([]).exists(x, x == 1)",
      "message.payload.?list.orValue([]).all(x, x > 0)",
      "message.payload.?nested.?deep.orValue('') == 'yes'",
      "size(sender) > 0 && sender.maciRole == 'judicial'",
      "recipient.?metadata.?environment.orValue('') == 'production'",
      "'forbidden-3' in recipient.?capabilities.orValue([])",
      "message.payload.?command.orValue('').endsWith('loy') && message.priority != 'low'",
      "message.payload.?amount.orValue(0) < 10 && message.payload.?amount.orValue(0) <= 5",
      "message.broadcast == false && message.targetAgentId != ''",
      "message.payload.?list.orValue([]).exists(x, [1, 2, 3].exists(y, y == x))");

  private static final List<String> PAYLOADS = List.of(
      "{}", "{\"command\":\"deploy\"}", "{\"command\":\"status\",\"amount\":5}", "{\"amount\":5000}",
      "{\"amount\":2.5}", "{\"amount\":-0.0}", "{\"amount\":\"x\"}", "{\"amount\":3}", "{\"n\":null}",
      "{\"command\":7}", "{\"flag\":true}", "{\"flag\":\"yes\"}", "{\"list\":[1,2,3]}", "{\"list\":[1,\"a\",2.0]}",
      "{\"list\":[]}", "{\"list\":\"notalist\"}", "{\"nested\":{\"deep\":\"yes\"}}", "{\"nested\":{\"deep\":1}}",
      "{\"nested\":5}", "{\"text\":\"déjà vu 😀 exploit-3\"}", "{\"x\":1,\"command\":\"deploy\"}",
      "{\"amount1\":2000,\"amount3\":1.5}");

  private static final List<Map<String, String>> METADATA = List.of(Map.of(), Map.of("environment", "production-1"),
      Map.of("environment", "production", "classification", "pii"), Map.of("role", "developer", "clearance", "x"),
      Map.of("tenant_id", "other"));

  private static List<PolicyRule> rules() {
    List<PolicyRule> rules = new ArrayList<>();
    int i = 0;
    for (String e : EDGES) rules.add(PolicyFixtures.rule("edge-" + i++, e));
    for (int r = 0; r < 100; r++) rules.add(PolicyFixtures.rule("bench-" + r, benchmarkRule(r)));
    return rules;
  }

  /** The shapes of node/src/jmh/.../PolicyBundleBenchmark. */
  private static String benchmarkRule(int i) {
    int p = i / 10;
    return switch (i % 10) {
      case 0 -> "message.type == 'command' && sender.maciRole == 'judicial' && message.priority == 'p" + p + "'";
      case 1 -> "'forbidden-" + p + "' in recipient.capabilities";
      case 2 -> "message.payload.?amount" + p + ".orValue(0) > 1000";
      case 3 -> "message.metadata.?environment.orValue('') == 'production-" + p + "'";
      case 4 -> "message.payloadJson.contains('exploit-" + p + "')";
      case 5 -> "size(message.payloadJson) > " + (10_000 + p);
      case 6 -> "context.senderRate > " + (100_000 + p);
      case 7 -> "sender.tenantId != message.tenantId && sender.id == 'x" + p + "'";
      case 8 -> "sender.capabilities.exists(c, c == 'root-" + p + "')";
      default -> "message.targetAgentId.startsWith('quarantine-" + p + "-')";
    };
  }

  private static List<GovernanceRequest> requests() {
    SplittableRandom random = new SplittableRandom(7);
    MessageType[] types = MessageType.values();
    Priority[] priorities = Priority.values();
    MaciRole[] roles = MaciRole.values();
    List<List<String>> capabilities = List.of(List.of(), List.of("root-2", "search"), List.of("forbidden-3"));
    List<GovernanceRequest> out = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String tenant = random.nextInt(3) == 0 ? null : "t" + random.nextInt(2);
      AgentProfile sender = random.nextInt(5) == 0 ? null : new AgentProfile(random.nextInt(4) == 0 ? "x3" : "s" + i,
          "s", "worker", random.nextBoolean() ? tenant : "t9", roles[random.nextInt(roles.length)],
          capabilities.get(random.nextInt(capabilities.size())), METADATA.get(random.nextInt(METADATA.size())),
          AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON, PolicyFixtures.MONDAY_NOON);
      AgentProfile recipient = random.nextInt(5) == 0 ? null : new AgentProfile("r" + i, "r", "worker", tenant,
          roles[random.nextInt(roles.length)], capabilities.get(random.nextInt(capabilities.size())),
          METADATA.get(random.nextInt(METADATA.size())), AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON,
          PolicyFixtures.MONDAY_NOON);
      AgentMessage m = new AgentMessage(UUID.randomUUID(), types[random.nextInt(types.length)],
          priorities[random.nextInt(priorities.length)], sender == null ? "ghost" : sender.id(),
          recipient == null ? "quarantine-1-x" : recipient.id(), tenant,
          PolicyFixtures.json(PAYLOADS.get(random.nextInt(PAYLOADS.size()))), null, null, PolicyFixtures.HASH,
          PolicyFixtures.MONDAY_NOON, null, null, METADATA.get(random.nextInt(METADATA.size())));
      out.add(GovernanceRequest.of(m, sender, recipient));
    }
    return out;
  }

  private static void agreeWithCel(CompiledBundle bundle, List<GovernanceRequest> requests) {
    for (GovernanceRequest r : requests) {
      List<RuleVerdict> fast = bundle.dryRun(r).verdicts();
      List<RuleVerdict> cel = bundle.dryRunByCel(r).verdicts();
      for (int i = 0; i < cel.size(); i++) {
        int at = i;
        assertEquals(cel.get(i), fast.get(i), () -> "rule " + cel.get(at).ruleId() + " on " + r);
      }
    }
  }

  @Test
  void theFastPathAgreesWithCelOnEveryRuleAndMessage() {
    CompiledBundle bundle = CompiledBundle.compile(PolicyFixtures.bundle(rules().toArray(PolicyRule[]::new)),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    List<GovernanceRequest> requests = requests();

    agreeWithCel(bundle, requests);

    long answered = requests.stream().mapToLong(bundle::fastAnswers).sum();
    long total = (long) requests.size() * bundle.bundle().rules().size();
    assertTrue(answered > total * 8 / 10, () -> "the fast path answered only " + answered + " of " + total);
  }

  @Test
  void everyRuleOfTheBenchmarkTakesTheFastPathOnATypicalMessage() {
    List<PolicyRule> bench = new ArrayList<>();
    for (int r = 0; r < 100; r++) bench.add(PolicyFixtures.rule("bench-" + r, benchmarkRule(r)));
    CompiledBundle bundle = CompiledBundle.compile(PolicyFixtures.bundle(bench.toArray(PolicyRule[]::new)),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    AgentProfile sender = new AgentProfile("s", "s", "bench", "t0", MaciRole.EXECUTIVE, List.of("reports"),
        Map.of("team", "t1"), AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON, PolicyFixtures.MONDAY_NOON);
    AgentProfile recipient = new AgentProfile("r", "r", "bench", "t0", MaciRole.JUDICIAL, List.of("search"),
        Map.of(), AgentStatus.ACTIVE, PolicyFixtures.MONDAY_NOON, PolicyFixtures.MONDAY_NOON);
    GovernanceRequest request = PolicyFixtures.msg().from("s").to("r").tenant("t0").type(MessageType.QUERY)
        .payload("{\"content\":\"status report\",\"items\":3}").metadata(Map.of("environment", "staging"))
        .sender(sender).recipient(recipient).request();

    assertEquals(100, bundle.fastAnswers(request));
  }

  @Test
  void theFastPathAgreesWithCelOnTheDefaultBundle() {
    CompiledBundle bundle = CompiledBundle.compile(ConstitutionBundle.defaultBundle(), PolicyFixtures.MONDAY,
        new PolicyFixtures.FakeRates());
    agreeWithCel(bundle, requests());
  }
}
