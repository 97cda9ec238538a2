package dev.agentbus.node.bench;

import dev.agentbus.actors.agent.AgentEntity;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The memory target of issue 4 ({@code bench --memory N}): N agents registered on this node, each sent
 * one message, the heap measured after a full GC while every agent entity is awake, then again once the
 * idle ones have passivated. Run it with the heap the target names ({@code -Xmx1g}).
 */
final class MemoryCheck {

  private final ActorSystem<?> system;
  private final BusWorkloads workloads;
  private final PrintStream out;
  private final Duration askTimeout;

  MemoryCheck(ActorSystem<?> system, BusWorkloads workloads, PrintStream out, Duration askTimeout) {
    this.system = system;
    this.workloads = workloads;
    this.out = out;
    this.askTimeout = askTimeout;
  }

  /** @return the figures, as written under {@code memory} in {@code --json} */
  Map<String, Object> run(AgentSet set, long seed, Duration passivationWait) throws InterruptedException {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("agents", set.size());
    r.put("heapMaxMb", mb(Runtime.getRuntime().maxMemory()));
    r.put("heapBeforeMb", heapAfterGcMb());
    long t0 = System.nanoTime();
    workloads.register(set);
    double registerSec = (System.nanoTime() - t0) / 1e9;
    r.put("registerSec", round(registerSec));
    out.printf("memory: %,d agents registered in %.1f s (%,.0f/s)%n", set.size(), registerSec, set.size() / registerSec);
    long t1 = System.nanoTime();
    workloads.sendOneEach(set, seed);
    r.put("sendOneEachSec", round((System.nanoTime() - t1) / 1e9));
    long awake = awakeAgents();
    long heapAwake = heapAfterGcMb();
    r.put("entitiesAwake", awake);
    r.put("heapAwakeMb", heapAwake);
    out.printf("memory: every agent sent one message; %,d agent entities awake, heap after GC %,d MB of %,d MB%n",
        awake, heapAwake, mb(Runtime.getRuntime().maxMemory()));
    long deadline = System.nanoTime() + passivationWait.toNanos();
    long left = awake;
    long t2 = System.nanoTime();
    while (left > 0 && System.nanoTime() < deadline) {
      TimeUnit.SECONDS.sleep(5);
      left = awakeAgents();
      out.printf("memory: %,d agent entities awake%n", left);
    }
    long heapIdle = heapAfterGcMb();
    r.put("entitiesAfterIdle", left);
    r.put("passivationSec", round((System.nanoTime() - t2) / 1e9));
    r.put("heapIdleMb", heapIdle);
    r.put("bytesPerAwakeAgent", awake == 0 ? null : (heapAwake - heapIdle) * 1024 * 1024 / Math.max(1, awake - left));
    out.printf("memory: after passivation %,d awake, heap after GC %,d MB%n", left, heapIdle);
    return r;
  }

  private long awakeAgents() {
    try {
      var sharding = ClusterSharding.get(system);
      ShardRegion.CurrentShardRegionState state = AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
          sharding.shardState(), replyTo -> new GetShardRegionState(AgentEntity.ENTITY_KEY, replyTo), askTimeout,
          system.scheduler()).toCompletableFuture().get(askTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
      long n = 0;
      for (ShardRegion.ShardState s : state.getShards()) n += s.getEntityIds().size();
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (Exception e) {
      out.println("memory: shard state not available: " + e);
      return -1;
    }
  }

  private static long heapAfterGcMb() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 2; i++) {
      memory.gc();
      TimeUnit.MILLISECONDS.sleep(200);
    }
    return mb(memory.getHeapMemoryUsage().getUsed());
  }

  private static long mb(long bytes) {
    return bytes / (1024 * 1024);
  }

  private static double round(double sec) {
    return Math.round(sec * 10) / 10.0;
  }
}
