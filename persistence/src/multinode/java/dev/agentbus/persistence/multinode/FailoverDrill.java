package dev.agentbus.persistence.multinode;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.persistence.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.remote.testconductor.RoleName;
import org.apache.pekko.remote.testkit.MultiNodeConfig;
import org.apache.pekko.remote.testkit.MultiNodeSpec;
import scala.concurrent.Await;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A multi-JVM drill: three nodes in three processes on one journal. The first registers agents and
 * sends to them; the third is then cut off from the others with the test conductor's blackhole; the
 * Split Brain Resolver downs it, and every acknowledged message is read back on the first, each once.
 * One JVM per role ({@code multinode.index}); {@link FailoverDrillTest} starts them.
 */
public final class FailoverDrill extends MultiNodeSpec {

  static final class DrillConfig extends MultiNodeConfig {
    final RoleName first = role("first");
    final RoleName second = role("second");
    final RoleName third = role("third");

    DrillConfig() {
      Database db = Database.h2Memory("unused");
      String url = System.getProperty("agentbus.drill.db-url");
      if (url != null) db = new Database(Database.Kind.H2_MEMORY, url, "sa", "");
      // From the resources, not ConfigFactory.load(): the reference defaults (test-mode = off) would
      // otherwise outrank testTransport(true). The ports and host come from multinode.*.
      Config node = ConfigFactory.parseResources("agentbus-node.conf").withoutPath("pekko.remote.artery.canonical");
      commonConfig(ConfigFactory.parseString(
              "pekko.loglevel = WARNING\n"
                  + "pekko.fail-mixed-versions = off\n"
                  + "pekko.cluster.run-coordinated-shutdown-when-down = off\n"
                  + "pekko.cluster.split-brain-resolver.stable-after = 2s\n"
                  + "pekko.coordinated-shutdown.exit-jvm = off\n"
                  + "agentbus.ask-timeout = 3s\n")
          .withFallback(db.toConfig())
          .withFallback(node));
      testTransport(true);
    }
  }

  private static final DrillConfig CONFIG = new DrillConfig();
  private static final String TENANT = "drill";
  private static final String HASH = "cdd01ef066bc6cf2";

  public FailoverDrill() {
    super(CONFIG);
  }

  @Override
  public int initialParticipants() {
    return roles().size();
  }

  private void barrier(String name) {
    enterBarrier(CollectionConverters.asScala(List.of(name)).toList());
  }

  private boolean is(RoleName role) {
    return myself().equals(role);
  }

  private static void await(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) return;
      } catch (RuntimeException e) {
        // not yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  private static long members(ActorSystem<?> sys, boolean upOnly) {
    long n = 0;
    for (var m : Cluster.get(sys).state().getMembers()) if (!upOnly || m.status() == MemberStatus.up()) n++;
    return n;
  }

  @SuppressWarnings("deprecation") // the conductor's blackhole speaks the classic throttler's Direction
  void run() throws Exception {
    ActorSystem<Void> sys = Adapter.toTyped(system());
    Address firstAddress = node(CONFIG.first).address();
    Cluster.get(sys).manager().tell(Join.create(firstAddress));
    AgentBus bus = AgentBus.get(sys);
    await(() -> members(sys, true) == 3, Duration.ofSeconds(60), "3 members up");
    barrier("up");

    Map<String, List<UUID>> acknowledged = new HashMap<>();
    String sender = null;
    if (is(CONFIG.first)) {
      sender = bus.register(new Registration("drill-sender", "s", "worker", TENANT, MaciRole.EXECUTIVE, List.of(),
          Map.of())).toCompletableFuture().get(20, TimeUnit.SECONDS).id();
      for (int r = 0; r < 12; r++) {
        String recipient = bus.register(new Registration("drill-r" + r, "r", "worker", TENANT, MaciRole.EXECUTIVE,
            List.of(), Map.of())).toCompletableFuture().get(20, TimeUnit.SECONDS).id();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          AgentMessage m = message(sender, recipient);
          SendResult res = bus.send(m).toCompletableFuture().get(20, TimeUnit.SECONDS);
          if (res.status() != MessageStatus.ACCEPTED) throw new AssertionError("not accepted: " + res.reasonCodes());
          ids.add(m.id());
        }
        acknowledged.put(recipient, ids);
      }
    }
    barrier("sent");

    if (is(CONFIG.first)) {
      var both = org.apache.pekko.remote.transport.ThrottlerTransportAdapter.bothDirection();
      Await.result(testConductor().blackhole(CONFIG.first, CONFIG.third, both),
          scala.concurrent.duration.Duration.create(20, TimeUnit.SECONDS));
      Await.result(testConductor().blackhole(CONFIG.second, CONFIG.third, both),
          scala.concurrent.duration.Duration.create(20, TimeUnit.SECONDS));
    }
    barrier("cut");

    if (!is(CONFIG.third)) {
      // keep-majority: the two connected nodes down the third
      await(() -> members(sys, false) == 2, Duration.ofSeconds(60), "the third node removed");
    }
    barrier("downed");

    if (is(CONFIG.first)) {
      for (Map.Entry<String, List<UUID>> e : acknowledged.entrySet()) {
        String recipient = e.getKey();
        List<UUID> expected = e.getValue();
        List<List<UUID>> seen = new ArrayList<>();
        await(() -> {
          List<UUID> ids = bus.readInbox(recipient, InboxQuery.all()).toCompletableFuture().join()
              .items().stream().map(i -> i.message().id()).toList();
          seen.add(ids);
          return ids.equals(expected);
        }, Duration.ofSeconds(90), "inbox of " + recipient);
        SendResult after = bus.send(message(sender, recipient)).toCompletableFuture().get(20, TimeUnit.SECONDS);
        if (after.status() != MessageStatus.ACCEPTED) {
          throw new AssertionError("send after the cut not accepted: " + after.reasonCodes());
        }
      }
      System.out.println("FailoverDrill: " + acknowledged.size() * 10 + " acknowledged messages in "
          + acknowledged.size() + " inboxes, all present once after the third node was downed");
    }
    barrier("verified");
  }

  private static AgentMessage message(String from, String to) {
    return new AgentMessage(UUID.randomUUID(), MessageType.QUERY, Priority.NORMAL, from, to, TENANT,
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("query", "status"), null, null,
        HASH, Instant.now(), null, null, Map.of());
  }

  public static void main(String[] args) {
    int code = 0;
    FailoverDrill drill = null;
    try {
      drill = new FailoverDrill();
      drill.multiNodeSpecBeforeAll();
      drill.run();
    } catch (Throwable t) {
      t.printStackTrace();
      code = 1;
    } finally {
      if (drill != null) {
        try {
          drill.multiNodeSpecAfterAll();
        } catch (Throwable t) {
          t.printStackTrace();
        }
      }
    }
    System.exit(code);
  }
}
