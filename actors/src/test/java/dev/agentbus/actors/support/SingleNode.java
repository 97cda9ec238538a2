package dev.agentbus.actors.support;

import dev.agentbus.actors.bus.AgentBus;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** The bus on a test's one-node cluster ({@link TestConfigs#singleNodeCluster()}). */
public final class SingleNode {
  private SingleNode() {}

  /** Joins the node to itself and starts the bus on it. */
  public static AgentBus bus(ActorTestKit testKit) {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    return AgentBus.get(testKit.system());
  }

  /** The stage's value; a stage that never completes fails the test instead of hanging it. */
  public static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
  }
}
