package dev.agentbus.node.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
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
import dev.agentbus.actors.policy.ActiveBundle;
import dev.agentbus.actors.policy.ActivePolicy;
import dev.agentbus.actors.policy.CompiledBundle;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.PolicyOutcome;
import dev.agentbus.actors.policy.PolicyRule;
import dev.agentbus.actors.policy.PolicySettings;
import dev.agentbus.actors.policy.RateCounter;
import java.time.Clock;
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
 *
 * <p>{@code cachedRules} is the whole pipeline with the decision cache configured as the node does it
 * ({@code agentbus.policy} from the configuration: {@code PolicySettings.decisionCache()}, an
 * {@code ActivePolicy} that empties it on a bundle change), every message seen before (cache hits): the
 * same rules less the one shape that reads {@code context}, since a bundle reading the context (rates,
 * time) is never cached. A hit still checks the id and expiry, counts the message in the rates and runs
 * the impact score's time- and history-dependent part. The entries were made in the set-up: with the
 * configured TTL (60 s) a run longer than that also measures the misses that refill them.
 * {@code cacheMisses} is the same pipeline and bundle with a one-entry cache whose doorkeeper (1,024 keys)
 * forgets the 4,096 messages before they come round again: every decision a miss of content seen once, looked
 * up but (but for the doorkeeper's few false sightings) not kept: what the cache costs on new content.
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
  private static final int ONE_OFF_DOORKEEPER = 1_024;

  private GovernancePipeline pipeline;
  private GovernancePipeline cachedPipeline;
  private GovernancePipeline missingPipeline;
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
    ActivePolicy active = ActivePolicy.create(clock, RateCounter.inMemory());
    if (!active.install(new ActiveBundle(1, "bench", bundle.digest(), bundle.toJson()))) {
      throw new IllegalStateException("the benchmark bundle was not installed");
    }
    pipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000), List.of(active));
    compiled = CompiledBundle.compile(bundle, clock, RateCounter.inMemory());
    ConstitutionBundle contextFree = ConstitutionBundle.of("bench-cached", "1", hash,
        rules().stream().filter(r -> !r.expression().contains("context.")).toList());
    // as the node configures it (AgentBus): the policy settings of the configuration, the cache they make
    PolicySettings policySettings = PolicySettings.fromConfig(ConfigFactory.load().getConfig("agentbus.policy"));
    DecisionCache cache = policySettings.decisionCache()
        .orElseThrow(() -> new IllegalStateException("agentbus.policy.cache is off"));
    ActivePolicy cachedActive = ActivePolicy.create(policySettings, clock);
    cachedActive.onChange(cache::clear);
    if (!cachedActive.install(new ActiveBundle(1, "bench-cached", contextFree.digest(), contextFree.toJson()))) {
      throw new IllegalStateException("the cached benchmark bundle was not installed");
    }
    cachedPipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000), List.of(cachedActive),
        cache);
    ActivePolicy missingActive = ActivePolicy.create(policySettings, clock);
    missingActive.install(new ActiveBundle(1, "bench-cached", contextFree.digest(), contextFree.toJson()));
    // a doorkeeper of fewer keys than the 4,096 messages forgets them before they come round: content seen once
    DecisionCache oneEntry = new DecisionCache(1, policySettings.cacheTtl(), policySettings.cacheMaxPayloadLength(),
        policySettings.cacheMaxPayloadDepth(), ONE_OFF_DOORKEEPER);
    missingPipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000),
        List.of(missingActive), oneEntry);
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
      if (!cachedPipeline.evaluate(req).isAllowed()) throw new IllegalStateException("not allowed (cached)");
      if (!missingPipeline.evaluate(req).isAllowed()) throw new IllegalStateException("not allowed (misses)");
    }
    // the second miss of each key is kept (the doorkeeper): every later evaluation is a hit
    for (GovernanceRequest req : requests) cachedPipeline.evaluate(req);
    long hits = cache.stats().hits();
    for (GovernanceRequest req : requests) cachedPipeline.evaluate(req);
    if (cache.stats().hits() - hits != MESSAGES) {
      throw new IllegalStateException("not every message a hit: " + cache.stats());
    }
  }

  /** The whole pipeline: structure, hash, injection, tenant, MACI, the 100 rules, impact score. */
  @Benchmark
  public Decision hundredRulesUncached() {
    return pipeline.evaluate(requests[next++ & (MESSAGES - 1)]);
  }

  /** The whole pipeline, answered from the decision cache (90 rules that do not read the context). */
  @Benchmark
  public Decision cachedRules() {
    return cachedPipeline.evaluate(requests[next++ & (MESSAGES - 1)]);
  }

  /** The same pipeline and rules, every decision a miss of a one-entry cache. */
  @Benchmark
  public Decision cacheMisses() {
    return missingPipeline.evaluate(requests[next++ & (MESSAGES - 1)]);
  }

  /** The 100 rules alone (variables built once, every rule evaluated, the outcome): the CEL share. */
  @Benchmark
  public PolicyOutcome hundredRulesOnly() {
    return compiled.evaluate(requests[next++ & (MESSAGES - 1)]);
  }
}
