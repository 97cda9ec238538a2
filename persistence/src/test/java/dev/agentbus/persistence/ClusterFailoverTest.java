package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.agent.AgentEntity;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three nodes in one JVM on one shared H2 journal: delivery across nodes, and an agent that comes back
 * elsewhere with its whole inbox after its host leaves gracefully or is cut off and downed by the
 * Split Brain Resolver. No acknowledged message may be lost.
 */
class ClusterFailoverTest {

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private record Scenario(String sender, String recipient, List<UUID> acknowledged, int host) {}

  /** Registers two agents, sends 30 messages from another node than the recipient's host. */
  private static Scenario deliverAcrossNodes(ThreeNodeCluster cluster) {
    String tenant = "t-" + UUID.randomUUID();
    AgentBus first = AgentBus.get(cluster.node(0));
    String recipient = await(first.register(
        new Registration(null, "r", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of()))).id();
    String sender = await(first.register(
        new Registration(null, "s", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of()))).id();
    int host = ThreeNodeCluster.retry(() -> cluster.hostOf(AgentEntity.ENTITY_KEY, recipient).orElseThrow(),
        Duration.ofSeconds(10));
    int from = cluster.anyAliveOtherThan(host);
    AgentBus remote = AgentBus.get(cluster.node(from));
    // The sender's node must know both agents before it can route (replicated directory).
    ThreeNodeCluster.awaitTrue(() -> remote.directory().find(recipient).isPresent()
        && remote.directory().find(sender).isPresent(), Duration.ofSeconds(15), "directory replicated");
    List<UUID> acknowledged = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      AgentMessage m = Messages.query(sender, recipient, tenant);
      SendResult r = await(remote.send(m));
      assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
      acknowledged.add(m.id());
    }
    assertEquals(acknowledged, inboxIds(remote, recipient));
    return new Scenario(sender, recipient, acknowledged, host);
  }

  private static List<UUID> inboxIds(AgentBus bus, String agent) {
    return await(bus.readInbox(agent, InboxQuery.all())).items().stream().map(i -> i.message().id()).toList();
  }

  static Stream<Database> databases() {
    return TestDatabases.all("cluster").stream();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void anAgentComesBackElsewhereWithItsInboxAfterItsHostLeaves(Database db) throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(db)) {
      Scenario s = deliverAcrossNodes(cluster);
      cluster.leaveGracefully(s.host());
      AgentBus survivor = AgentBus.get(cluster.node(cluster.anyAliveOtherThan(s.host())));
      List<UUID> inbox = ThreeNodeCluster.retry(() -> inboxIds(survivor, s.recipient()), Duration.ofSeconds(60));
      assertEquals(s.acknowledged(), inbox);
      int newHost = cluster.hostOf(AgentEntity.ENTITY_KEY, s.recipient()).orElseThrow();
      assertTrue(newHost != s.host());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void anAgentComesBackElsewhereWithItsInboxAfterItsHostIsCutOffAndDowned(Database db) throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(db)) {
      Scenario s = deliverAcrossNodes(cluster);
      var victim = cluster.node(s.host());
      cluster.isolate(s.host());
      int survivorIndex = cluster.anyAliveOtherThan(s.host());
      var survivorNode = cluster.node(survivorIndex);
      // The Split Brain Resolver (keep-majority) downs the isolated node; it then shuts itself down.
      ThreeNodeCluster.awaitTrue(() -> ThreeNodeCluster.upMembers(survivorNode) == 2
              && ThreeNodeCluster.members(survivorNode) == 2,
          Duration.ofSeconds(60), "the isolated node removed");
      victim.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      AgentBus survivor = AgentBus.get(survivorNode);
      List<UUID> inbox = ThreeNodeCluster.retry(() -> inboxIds(survivor, s.recipient()), Duration.ofSeconds(60));
      assertEquals(s.acknowledged(), inbox);
      SendResult after = await(survivor.send(Messages.query(s.sender(), s.recipient(),
          await(survivor.profile(s.recipient())).tenantId())));
      assertEquals(MessageStatus.ACCEPTED, after.status(), after.reasonCodes());
    }
  }
}
