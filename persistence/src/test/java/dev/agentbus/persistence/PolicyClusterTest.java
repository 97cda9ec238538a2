package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.PolicyRegistry;
import dev.agentbus.actors.policy.PolicyRule;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A bundle activated on one node is what every node of the cluster enforces, within a few seconds. */
class PolicyClusterTest {

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
  }

  private static ConstitutionBundle bundle(String id, String expression) {
    return ConstitutionBundle.of(id, "1", "cdd01ef066bc6cf2",
        List.of(PolicyRule.deny("r1", "rule", expression)));
  }

  @Test
  void aBundleChangeTakesEffectOnAllThreeNodes() {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(Database.h2Memory("policy-" + java.util.UUID.randomUUID()))) {
      AgentBus first = AgentBus.get(cluster.node(0));
      ConstitutionBundle a = bundle("a", "message.type == 'command'");
      PolicyRegistry.PolicyView pa = ThreeNodeCluster.retry(
          () -> await(first.policies().upload("policy a", null, List.of(), a, "alice")), Duration.ofSeconds(30));
      await(first.policies().activate(pa.id(), "alice"));
      awaitEverywhere(cluster, a.digest());

      // activated through another node, rolled back through the third
      AgentBus second = AgentBus.get(cluster.node(1));
      ConstitutionBundle b = bundle("b", "message.type == 'query'");
      PolicyRegistry.PolicyView pb = await(second.policies().upload("policy b", null, List.of(), b, "bob"));
      await(second.policies().activate(pb.id(), "bob"));
      awaitEverywhere(cluster, b.digest());

      await(AgentBus.get(cluster.node(2)).policies().rollBack("carol"));
      awaitEverywhere(cluster, a.digest());
    }
  }

  private static void awaitEverywhere(ThreeNodeCluster cluster, String digest) {
    ThreeNodeCluster.awaitTrue(() -> cluster.nodes.stream()
            .allMatch(n -> AgentBus.get(n).policies().active().digest().equals(Optional.of(digest))),
        Duration.ofSeconds(10), "every node holds bundle " + digest.substring(0, 12));
    for (var n : cluster.nodes) assertEquals(Optional.of(digest), AgentBus.get(n).policies().active().digest());
  }
}
