package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.node.LedgerReadinessCheck;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The node's readiness check (/ready) waits for the bus and its ledger partitions. */
class ReadinessTest {

  private static TestNode node;
  private static final ActorTestKit withoutBus = ActorTestKit.create();

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
    withoutBus.shutdownTestKit();
  }

  @Test
  void isReadyOnceEveryLedgerPartitionHasRecovered() {
    LedgerReadinessCheck check = new LedgerReadinessCheck(node.system.classicSystem());
    TestProbe<Void> probe = withoutBus.createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(20), () -> {
      assertTrue(check.get().toCompletableFuture().join());
      return null;
    });
  }

  @Test
  void isNotReadyWhileTheBusHasNotStarted() {
    LedgerReadinessCheck check = new LedgerReadinessCheck(withoutBus.system().classicSystem());
    assertFalse(check.get().toCompletableFuture().join());
  }
}
