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
import dev.agentbus.actors.policy.PolicySettings;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
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
 * The governance pipeline alone (structure, hash, injection filter, tenant, MACI, impact score), one
 * thread, with the default settings (MACI on and strict) and a fixed clock at noon UTC.
 *
 * <ul>
 *   <li>{@code uniqueContent}: 4,096 different messages from 1,000 registered senders, taken in turn,
 *       without a decision cache: the whole pipeline every time (the "miss" case);
 *   <li>{@code identicalContent}: the same sender, recipient, type and content every time (ids differ),
 *       through the decision cache configured as the node does it ({@code agentbus.policy.cache}): every
 *       decision a hit (the id and expiry checks and the impact score's time- and history-dependent part
 *       still run).
 * </ul>
 *
 * Run: {@code ./mvnw -B -Pjmh -pl node test-compile exec:exec}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class GovernancePipelineBenchmark {

  private static final int MESSAGES = 4_096;
  private static final int AGENTS = 1_000;
  private static final String TENANT = "tenant-0";

  private GovernancePipeline pipeline;
  private GovernancePipeline cachedPipeline;
  private GovernanceRequest[] unique;
  private GovernanceRequest[] identical;
  private int next;

  @Setup
  public void setUp() {
    Instant noon = Instant.parse("2026-01-15T12:00:00Z");
    GovernanceSettings settings = GovernanceSettings.defaults();
    Clock clock = Clock.fixed(noon, ZoneOffset.UTC);
    pipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000));
    DecisionCache cache = PolicySettings.fromConfig(ConfigFactory.load().getConfig("agentbus.policy")).decisionCache()
        .orElseThrow(() -> new IllegalStateException("agentbus.policy.cache is off"));
    cachedPipeline = GovernancePipeline.create(settings, clock, OutputRegistry.bounded(200_000), List.of(), cache);
    String hash = settings.constitutionalHash();
    AgentProfile[] agents = new AgentProfile[AGENTS];
    MaciRole[] roles = MaciRole.values();
    for (int i = 0; i < AGENTS; i++) {
      agents[i] = new AgentProfile("agent-" + i, "agent-" + i, "bench", TENANT, roles[i % roles.length], List.of(),
          Map.of(), AgentStatus.ACTIVE, noon, noon);
    }
    SplittableRandom random = new SplittableRandom(42);
    unique = new GovernanceRequest[MESSAGES];
    identical = new GovernanceRequest[MESSAGES];
    var json = JsonNodeFactory.instance;
    var same = json.objectNode().put("content", "status report from agent-0");
    for (int i = 0; i < MESSAGES; i++) {
      int s = i % AGENTS;
      int r = (s + 1 + random.nextInt(AGENTS - 1)) % AGENTS;
      AgentMessage m = new AgentMessage(new UUID(random.nextLong(), random.nextLong()), MessageType.QUERY,
          Priority.NORMAL, agents[s].id(), agents[r].id(), TENANT,
          json.objectNode().put("content", "status report " + i + " from agent-" + s), null, null, hash, noon, null,
          null, Map.of());
      unique[i] = new GovernanceRequest(m, agents[s], agents[r], false);
      AgentMessage m0 = new AgentMessage(new UUID(random.nextLong(), random.nextLong()), MessageType.QUERY,
          Priority.NORMAL, agents[0].id(), agents[1].id(), TENANT, same, null, null, hash, noon, null, null, Map.of());
      identical[i] = new GovernanceRequest(m0, agents[0], agents[1], false);
    }
    for (GovernanceRequest req : List.of(unique[0], identical[0])) {
      Decision d = pipeline.evaluate(req);
      if (!d.isAllowed()) throw new IllegalStateException("the benchmark's message is not allowed: " + d.reasons());
    }
    // kept at its second miss (the doorkeeper), a hit from the third message on
    for (int i = 0; i < 2; i++) {
      if (!cachedPipeline.evaluate(identical[i]).isAllowed()) throw new IllegalStateException("not allowed (cached)");
    }
    long hits = cache.stats().hits();
    if (!cachedPipeline.evaluate(identical[2]).isAllowed() || cache.stats().hits() != hits + 1) {
      throw new IllegalStateException("the identical message is not a cache hit: " + cache.stats());
    }
  }

  @Benchmark
  public Decision uniqueContent() {
    return pipeline.evaluate(unique[next++ & (MESSAGES - 1)]);
  }

  @Benchmark
  public Decision identicalContent() {
    return cachedPipeline.evaluate(identical[next++ & (MESSAGES - 1)]);
  }
}
