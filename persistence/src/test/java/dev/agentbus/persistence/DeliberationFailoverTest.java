package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.deliberation.VoteChoice;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.Messages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The node hosting a deliberation leaves mid-vote: the deliberation comes back on another node with
 * every vote cast so far and the same deadline, the vote completes there, and the approved message is
 * delivered exactly once.
 */
class DeliberationFailoverTest {

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static String register(AgentBus bus, String tenant, MaciRole role, List<String> capabilities) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, role, capabilities, Map.of()))).id();
  }

  @Test
  void aDeliberationKeepsItsVotesAndDeadlineWhenItsHostLeaves() throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(Database.h2Memory("delib-" + UUID.randomUUID()))) {
      String tenant = "t-" + UUID.randomUUID();
      AgentBus first = AgentBus.get(cluster.node(0));
      String sender = register(first, tenant, MaciRole.EXECUTIVE, List.of());
      String recipient = register(first, tenant, MaciRole.EXECUTIVE, List.of());
      // the default risk rules want approvals from a supervisor and a compliance holder at impact >= 0.8
      String judge1 = register(first, tenant, MaciRole.JUDICIAL, List.of("supervisor"));
      String judge2 = register(first, tenant, MaciRole.JUDICIAL, List.of("compliance"));
      String judge3 = register(first, tenant, MaciRole.JUDICIAL, List.of());

      // voters are the tenant's judges this node knows: wait for the replicated directory
      ThreeNodeCluster.awaitTrue(() -> first.directory().activeInTenant(tenant).size() == 5, Duration.ofSeconds(15),
          "five agents in the directory");
      AgentMessage q = Messages.query(sender, recipient, tenant);
      AgentMessage critical = new AgentMessage(q.id(), q.type(), Priority.CRITICAL, sender, recipient, tenant,
          q.payload(), null, null, q.constitutionalHash(), q.timestamp(), null, null, Map.of());
      SendResult held = await(first.send(critical));
      assertEquals(MessageStatus.PENDING_DELIBERATION, held.status(), held.reasonCodes());
      Deliberation.Summary before = await(first.vote(q.id(), judge1, VoteChoice.APPROVE, "fine"));
      assertEquals(1, before.approvals());

      int host = ThreeNodeCluster.retry(() -> cluster.hostOf(Deliberation.ENTITY_KEY, q.id().toString())
          .orElseThrow(), Duration.ofSeconds(10));
      cluster.leaveGracefully(host);
      AgentBus survivor = AgentBus.get(cluster.node(cluster.anyAliveOtherThan(host)));

      Deliberation.Summary moved = ThreeNodeCluster.retry(() -> await(survivor.deliberation(q.id())),
          Duration.ofSeconds(60));
      assertEquals(1, moved.approvals(), "the vote cast before the move");
      assertEquals(before.deadline(), moved.deadline(), "the deadline holds");
      int newHost = cluster.hostOf(Deliberation.ENTITY_KEY, q.id().toString()).orElseThrow();
      assertNotEquals(host, newHost);

      await(survivor.vote(q.id(), judge2, VoteChoice.APPROVE, "ok"));
      Deliberation.Summary decided = await(survivor.vote(q.id(), judge3, VoteChoice.APPROVE, "ok"));
      assertEquals(Deliberation.Phase.DECIDED, decided.phase(), decided.toString());
      // approved: delivered once (and a repeated approval changes nothing)
      ThreeNodeCluster.awaitTrue(() -> await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .anyMatch(i -> i.message().id().equals(q.id())), Duration.ofSeconds(30), "the approved message delivered");
      survivor.vote(q.id(), judge3, VoteChoice.APPROVE, "again").toCompletableFuture().handle((s, e) -> null).join();
      long copies = await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .filter(i -> i.message().id().equals(q.id())).count();
      assertEquals(1, copies);
    }
  }
}
