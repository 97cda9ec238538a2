package dev.agentbus.node.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentbus.actors.governance.Decision;
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
import dev.agentbus.actors.policy.ActiveBundle;
import dev.agentbus.actors.policy.ActivePolicy;
import dev.agentbus.actors.policy.CompiledBundle;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.DecisionCache;
import dev.agentbus.actors.policy.PolicyOutcome;
import dev.agentbus.actors.policy.PolicyRule;
import dev.agentbus.actors.policy.RateCounter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole governance pipeline with a 100-rule constitution bundle active, one thread, no decision
 * cache (every decision evaluates all 100 CEL rules): 4,096 different messages from 1,000 registered
 * senders, taken in turn. The rules are ten shapes (type and role tests, capability membership, optional
 * payload and metadata fields, string functions, payload size, sender rate, list macros) with ten
 * parameters each; none matches, so every message is allowed after all 100 rules ran.
 * {@code hundredRulesOnly} measures the bundle's evaluation alone, without the other pipeline steps.
 * {@code cachedRules} is the whole pipeline with the decision cache on, every message seen before (cache
 * hits): the same rules less the one shape that reads {@code context}, since a bundle reading the context
 * (rates, time) is never cached.
 *
 * <p>Run: {@code ./mvnw -B -Pjmh -pl node test-compile exec:exec -Djmh.args="PolicyBundleBenchmark"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class PolicyBundleBenchmark {

  private static final int RULES = 100;
  private static final int MESSAGES = 4_096;
  private static final int AGENTS = 1_000;
  private static final String TENANT = "tenant-0";

  private GovernancePipeline pipeline;
  private GovernancePipeline cachedPipeline;
  private CompiledBundle compiled;
  private GovernanceRequest[] requests;
  private int next;

  /** Ten shapes of rule, ten parameters each; none matches the benchmark's messages. */
  static List<PolicyRule> rules() {
    List<PolicyRule> rules = new ArrayList<>(RULES);
    for (int i = 0; i < RULES; i++) {
      int p = i / 10;
      String expression = switch (i % 10) {
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
      rules.add(new PolicyRule("rule-" + i, "benchmark rule " + i, expression, PolicyRule.Effect.DENY,
          PolicyRule.Severity.MEDIUM, PolicyRule.Enforcement.DENY));
    }
    return rules;
  }

  @Setup
  public void setUp() {
    Instant noon = Instant.parse("2026-01-15T12:00:00Z");
    Clock clock = Clock.fixed(noon, ZoneOffset.UTC);
    GovernanceSettings settings = GovernanceSettings.defaults();
    String hash = settings.constitutionalHash();
    ConstitutionBundle bundle = ConstitutionBundle.of("bench", "1", hash, rules());
    // no decision cache: every decision runs the rules
    ActivePolicy active = ActivePolicy.create(null, clock, RateCounter.inMemory());
    if (!active.install(new ActiveBundle(1, "bench", bundle.digest(), bundle.toJson()))) {
      throw new IllegalStateException("the benchmark bundle was not installed");
    }
    pipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000), List.of(active));
    compiled = CompiledBundle.compile(bundle, clock, RateCounter.inMemory());
    ConstitutionBundle contextFree = ConstitutionBundle.of("bench-cached", "1", hash,
        rules().stream().filter(r -> !r.expression().contains("context.")).toList());
    ActivePolicy cachedActive = ActivePolicy.create(new DecisionCache(100_000, Duration.ofMinutes(10)), clock,
        RateCounter.inMemory());
    if (!cachedActive.install(new ActiveBundle(1, "bench-cached", contextFree.digest(), contextFree.toJson()))) {
      throw new IllegalStateException("the cached benchmark bundle was not installed");
    }
    cachedPipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000), List.of(cachedActive));
    AgentProfile[] agents = new AgentProfile[AGENTS];
    MaciRole[] roles = MaciRole.values();
    for (int i = 0; i < AGENTS; i++) {
      agents[i] = new AgentProfile("agent-" + i, "agent-" + i, "bench", TENANT, roles[i % roles.length],
          List.of("reports", "search"), Map.of("team", "t" + (i % 7)), AgentStatus.ACTIVE, noon, noon);
    }
    SplittableRandom random = new SplittableRandom(42);
    requests = new GovernanceRequest[MESSAGES];
    var json = JsonNodeFactory.instance;
    for (int i = 0; i < MESSAGES; i++) {
      int s = i % AGENTS;
      int r = (s + 1 + random.nextInt(AGENTS - 1)) % AGENTS;
      var payload = json.objectNode().put("content", "status report " + i + " from agent-" + s).put("items", i % 13);
      AgentMessage m = new AgentMessage(new UUID(random.nextLong(), random.nextLong()), MessageType.QUERY,
          Priority.NORMAL, agents[s].id(), agents[r].id(), TENANT, payload, null, null, hash, noon, null, null,
          Map.of("environment", "staging"));
      requests[i] = new GovernanceRequest(m, agents[s], agents[r], false);
    }
    for (GovernanceRequest req : requests) {
      Decision d = pipeline.evaluate(req);
      if (!d.isAllowed()) throw new IllegalStateException("the benchmark's message is not allowed: " + d.reasons());
      // fills the decision cache: every later evaluation of these requests is a hit
      if (!cachedPipeline.evaluate(req).isAllowed()) throw new IllegalStateException("not allowed (cached)");
    }
  }

  /** The whole pipeline: structure, hash, injection, tenant, MACI, the 100 rules, impact score. */
  @Benchmark
  public Decision hundredRulesUncached() {
    return pipeline.evaluate(requests[next++ & (MESSAGES - 1)]);
  }

  /** The whole pipeline, the policy step answered from the decision cache. */
  @Benchmark
  public Decision cachedRules() {
    return cachedPipeline.evaluate(requests[next++ & (MESSAGES - 1)]);
  }

  /** The 100 rules alone (variables built once, every rule evaluated, the outcome): the CEL share. */
  @Benchmark
  public PolicyOutcome hundredRulesOnly() {
    return compiled.evaluate(requests[next++ & (MESSAGES - 1)]);
  }
}
