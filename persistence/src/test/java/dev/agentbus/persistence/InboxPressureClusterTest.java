package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.agent.AgentEntity;
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
import org.junit.jupiter.api.Test;

/**
 * Three nodes with real sharding; the third has a tiny inbox budget. Once its inboxes are full of unacknowledged
 * messages, sends to its agents are refused on every node, and sends to agents on the other nodes still go through.
 */
class InboxPressureClusterTest {

  // A held message costs 1 MiB plus its bytes on the small node: its budget holds two, the third fills it.
  private static final String SMALL = "agentbus.agent.node-inbox-budget = 2560 KiB\n"
      + "agentbus.agent.inbox-entry-overhead = 1 MiB\n";
  // shards stay where they were placed, so that an agent's host is known for the whole test
  private static final String NO_REBALANCE = "pekko.cluster.sharding.rebalance-interval = 1h\n";
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  @Test
  void aFullNodeHoldsBackOnlyTheSendsToItsOwnAgents() throws Exception {
    Database db = Database.h2Memory("pressure-" + UUID.randomUUID());
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(db, NO_REBALANCE, NO_REBALANCE, NO_REBALANCE + SMALL)) {
      AgentBus entry = AgentBus.get(cluster.node(0));
      String tenant = "t-" + UUID.randomUUID();
      String sender = register(entry, tenant);
      // one agent on the small node and one elsewhere
      String onSmall = null;
      String elsewhere = null;
      for (int i = 0; i < 60 && (onSmall == null || elsewhere == null); i++) {
        String agent = register(entry, tenant);
        int host = ThreeNodeCluster.retry(() -> cluster.hostOf(AgentEntity.ENTITY_KEY, agent).orElseThrow(),
            Duration.ofSeconds(10));
        if (host == 2 && onSmall == null) onSmall = agent;
        if (host != 2 && elsewhere == null) elsewhere = agent;
      }
      String full = onSmall;
      String roomy = elsewhere;
      assertTrue(full != null && roomy != null, "agents placed on both kinds of node");

      List<UUID> held = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        AgentMessage m = Messages.query(sender, full, tenant);
        assertEquals(MessageStatus.ACCEPTED, await(entry.send(m)).status());
        held.add(m.id());
      }
      // node 0 learns that node 2 is full (every check interval, then replication)
      ThreeNodeCluster.awaitTrue(() -> {
        AgentMessage m = Messages.query(sender, full, tenant);
        SendResult r = await(entry.send(m));
        if (r.status() == MessageStatus.ACCEPTED) held.add(m.id());
        return r.status() == MessageStatus.REJECTED && r.reasonCodes().contains("overloaded");
      }, PATIENCE, "a send to the full node's agent refused");

      // a node refuses a shard it has not seen placed yet while any node is full: wait until it has
      AgentBus fullNode = AgentBus.get(cluster.node(2));
      ThreeNodeCluster.awaitTrue(() -> await(entry.send(Messages.query(sender, roomy, tenant))).status()
          == MessageStatus.ACCEPTED, PATIENCE, "sends to an agent on a node that is not full accepted");
      ThreeNodeCluster.awaitTrue(() -> await(fullNode.send(Messages.query(sender, roomy, tenant))).status()
          == MessageStatus.ACCEPTED, PATIENCE, "the full node still takes sends to others' agents");
      SendResult stillRefused = await(entry.send(Messages.query(sender, full, tenant)));
      assertEquals(MessageStatus.REJECTED, stillRefused.status(), "meanwhile its own agent's are still refused");

      // acknowledged, the held messages give the budget back: sends to that agent go through again
      for (UUID id : held) await(entry.ack(full, id));
      ThreeNodeCluster.awaitTrue(() -> await(entry.send(Messages.query(sender, full, tenant))).status()
          == MessageStatus.ACCEPTED, PATIENCE, "sends to the agent accepted again");
    }
  }

  private static String register(AgentBus bus, String tenant) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of())))
        .id();
  }
}
