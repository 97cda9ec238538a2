package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.support.TestConfigs;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.Leave;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Two nodes: one learns when the other's inboxes are full, which agent shards it hosts, and when they are not full
 * any more, and a node that leaves while full holds nobody back. (Two systems: the behaviour is between nodes.)
 */
class InboxPressureTest {

  private static final ActorTestKit testKit = ActorTestKit.create("InboxPressure", TestConfigs.singleNodeCluster());
  private static final ActorTestKit other = ActorTestKit.create("InboxPressure", TestConfigs.singleNodeCluster());
  private static final Duration CHECK = Duration.ofMillis(100);
  private static final Duration WRITE = Duration.ofSeconds(3);
  // how long the test waits for the cluster to converge; not a bound the behaviour is held to
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @AfterAll
  static void tearDown() {
    other.shutdownTestKit();
    testKit.shutdownTestKit();
  }

  private static long upMembers(ActorTestKit node) {
    long n = 0;
    for (var m : Cluster.get(node.system()).state().getMembers()) if (m.status() == MemberStatus.up()) n++;
    return n;
  }

  @Test
  void aNodeIsHeldBackWhileAnotherNodesInboxesAreFullAndNotAfterItLeaves() {
    Cluster first = Cluster.get(testKit.system());
    first.manager().tell(Join.create(first.selfMember().address()));
    Cluster.get(other.system()).manager().tell(Join.create(first.selfMember().address()));
    TestProbe<Object> waiter = testKit.createTestProbe();
    waiter.awaitAssert(PATIENCE, () -> {
      assertTrue(upMembers(testKit) == 2 && upMembers(other) == 2);
      return null;
    });

    AtomicReference<FullInboxes> here = new AtomicReference<>(FullInboxes.NONE);
    AtomicReference<FullInboxes> there = new AtomicReference<>(FullInboxes.NONE);
    AtomicBoolean fullThere = new AtomicBoolean();
    // full there means not resumed: both are set together, as the budget would answer them
    AtomicBoolean resumedThere = new AtomicBoolean();
    testKit.spawn(InboxPressure.create(() -> false, () -> true, shards("1", "2"), here, CHECK, WRITE));
    other.spawn(InboxPressure.create(fullThere::get, resumedThere::get, shards("7", "9"), there, CHECK, WRITE));

    fullThere.set(true);
    waiter.awaitAssert(PATIENCE, () -> {
      assertTrue(here.get().elsewhere());
      return null;
    });
    FullInboxes seen = here.get();
    assertTrue(seen.refuses("7", false) && seen.refuses("9", false), "its shards: " + seen);
    assertFalse(seen.refuses("1", false), "a recipient on a node that is not full is not held back");
    assertTrue(seen.refuses("3", false), "a shard placed nowhere yet may be placed on the full node");
    assertEquals(Set.of("1", "2"), seen.shardsHere());
    assertFalse(there.get().elsewhere(), "a node's own budget is checked directly, not through the others");

    // no longer full, but not yet below the resume mark: still shown full
    fullThere.set(false);
    TestProbe<Object> idle = testKit.createTestProbe();
    idle.expectNoMessage(CHECK.multipliedBy(10));
    assertTrue(here.get().elsewhere(), "shown full until below the resume mark");
    resumedThere.set(true);
    waiter.awaitAssert(PATIENCE, () -> {
      assertFalse(here.get().elsewhere());
      return null;
    });
    assertFalse(here.get().refuses("7", false), "its shards take messages again");

    resumedThere.set(false);
    fullThere.set(true);
    waiter.awaitAssert(PATIENCE, () -> {
      assertTrue(here.get().elsewhere());
      return null;
    });
    Cluster.get(other.system()).manager().tell(Leave.create(Cluster.get(other.system()).selfMember().address()));
    waiter.awaitAssert(PATIENCE, () -> {
      assertFalse(here.get().elsewhere(), "it left full: its entry no longer counts");
      assertFalse(here.get().refuses("7", false));
      return null;
    });
  }

  private static Supplier<CompletionStage<Set<String>>> shards(String... ids) {
    return () -> CompletableFuture.completedFuture(Set.of(ids));
  }
}
