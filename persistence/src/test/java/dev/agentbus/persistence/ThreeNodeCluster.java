package dev.agentbus.persistence;

import dev.agentbus.actors.bus.AgentBus;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;

/** Three cluster nodes in one JVM on one shared journal, with failure injection for tests. */
final class ThreeNodeCluster implements AutoCloseable {

  final List<ActorSystem<Void>> nodes = new ArrayList<>();
  private final List<Boolean> alive = new ArrayList<>();

  ThreeNodeCluster(Database db) {
    this(db, "", "", "");
  }

  /** With more configuration for each node (later keys win). */
  ThreeNodeCluster(Database db, String... perNode) {
    int[] ports = {freePort(), freePort(), freePort()};
    String seeds = "pekko.cluster.seed-nodes = [\"pekko://AgentBus@127.0.0.1:" + ports[0] + "\"]\n";
    String extra = seeds
        + "pekko.remote.artery.advanced.test-mode = on\n"
        + "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
        + "pekko.cluster.run-coordinated-shutdown-when-down = on\n"
        + "pekko.cluster.sharding.rebalance-interval = 1s\n"
        + "agentbus.ask-timeout = 3s\n";
    for (int i = 0; i < ports.length; i++) {
      ActorSystem<Void> node = TestNodes.start(db, ports[i], extra + perNode[i]);
      AgentBus.get(node); // sharding and the directory start on every node, as the node guardian does
      nodes.add(node);
      alive.add(true);
    }
    awaitTrue(() -> nodes.stream().allMatch(n -> upMembers(n) == 3), Duration.ofSeconds(40), "3 members up");
  }

  ActorSystem<Void> node(int i) {
    return nodes.get(i);
  }

  static long members(ActorSystem<?> node) {
    long n = 0;
    for (var m : Cluster.get(node).state().getMembers()) n++;
    return n;
  }

  static long upMembers(ActorSystem<?> node) {
    var members = Cluster.get(node).state().getMembers();
    long n = 0;
    for (var m : members) if (m.status() == MemberStatus.up()) n++;
    return n;
  }

  /** Index of the node hosting the entity, if it is running somewhere. */
  Optional<Integer> hostOf(EntityTypeKey<?> key, String entityId) {
    for (int i = 0; i < nodes.size(); i++) {
      if (!alive.get(i)) continue;
      ActorSystem<Void> n = nodes.get(i);
      CompletionStage<ShardRegion.CurrentShardRegionState> state = AskPattern.ask(
          ClusterSharding.get(n).shardState(), replyTo -> new GetShardRegionState(key, replyTo),
          Duration.ofSeconds(5), n.scheduler());
      ShardRegion.CurrentShardRegionState s = state.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
      for (ShardRegion.ShardState shard : s.getShards()) {
        if (shard.getEntityIds().contains(entityId)) return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  int anyAliveOtherThan(int i) {
    for (int j = 0; j < nodes.size(); j++) if (j != i && alive.get(j)) return j;
    throw new IllegalStateException("no other node alive");
  }

  void leaveGracefully(int i) throws Exception {
    org.apache.pekko.actor.CoordinatedShutdown.get(nodes.get(i).classicSystem())
        .runAll(org.apache.pekko.actor.CoordinatedShutdown.unknownReason())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    alive.set(i, false);
  }

  /** Cuts node i off from the others in both directions (Artery test mode). */
  void isolate(int i) {
    for (int j = 0; j < nodes.size(); j++) {
      if (j == i) continue;
      blackhole(nodes.get(i), address(nodes.get(j)));
      blackhole(nodes.get(j), address(nodes.get(i)));
    }
    alive.set(i, false);
  }

  private static Address address(ActorSystem<?> n) {
    return Cluster.get(n).selfMember().address();
  }

  // The throttler is deprecated with the classic transport, but it is what Artery's test mode obeys.
  @SuppressWarnings("deprecation")
  private static void blackhole(ActorSystem<?> from, Address to) {
    RemoteActorRefProvider provider =
        (RemoteActorRefProvider) ((ExtendedActorSystem) from.classicSystem()).provider();
    provider.transport().managementCommand(new ThrottlerTransportAdapter.SetThrottle(
        to, ThrottlerTransportAdapter.bothDirection(), ThrottlerTransportAdapter.blackholeThrottleMode()));
  }

  static void awaitTrue(Supplier<Boolean> condition, Duration max, String what) {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) return;
      } catch (RuntimeException e) {
        // not yet: the cluster is still settling
      }
      sleep(200);
    }
    throw new AssertionError("timed out waiting for: " + what);
  }

  static <T> T retry(Supplier<T> attempt, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return attempt.get();
      } catch (RuntimeException e) {
        last = e;
        sleep(300);
      }
    }
    throw new AssertionError("gave up retrying", last);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    // Youngest first, one at a time: stopping all at once makes each wait for the exiting timeout.
    for (int i = nodes.size() - 1; i >= 0; i--) {
      ActorSystem<Void> n = nodes.get(i);
      n.terminate();
      n.getWhenTerminated().toCompletableFuture().orTimeout(60, TimeUnit.SECONDS).join();
    }
  }
}
