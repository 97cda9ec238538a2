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
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The node hosting a deliberation is cut off mid-vote (a network partition, not a graceful leave): the
 * Split Brain Resolver downs it, the deliberation comes back on a survivor with every vote cast so far and
 * the same deadline instant, the vote completes there, and the approved message is delivered exactly once.
 */
class DeliberationPartitionTest {

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static String register(AgentBus bus, String tenant, MaciRole role, List<String> capabilities) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, role, capabilities, Map.of()))).id();
  }

  static Stream<Database> databases() {
    return TestDatabases.all("delibcut").stream();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aDeliberationKeepsItsVotesAndDeadlineWhenItsHostIsCutOff(Database db) throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(db)) {
      String tenant = "t-" + UUID.randomUUID();
      AgentBus first = AgentBus.get(cluster.node(0));
      String sender = register(first, tenant, MaciRole.EXECUTIVE, List.of());
      String recipient = register(first, tenant, MaciRole.EXECUTIVE, List.of());
      // the default risk rules want approvals from a supervisor and a compliance holder at impact >= 0.8
      String judge1 = register(first, tenant, MaciRole.JUDICIAL, List.of("supervisor"));
      String judge2 = register(first, tenant, MaciRole.JUDICIAL, List.of("compliance"));
      String judge3 = register(first, tenant, MaciRole.JUDICIAL, List.of());
      ThreeNodeCluster.awaitTrue(() -> first.directory().activeInTenant(tenant).size() == 5, Duration.ofSeconds(15),
          "five agents in the directory");

      AgentMessage q = Messages.query(sender, recipient, tenant);
      AgentMessage critical = new AgentMessage(q.id(), q.type(), Priority.CRITICAL, sender, recipient, tenant,
          q.payload(), null, null, q.constitutionalHash(), q.timestamp(), null, null, Map.of());
      SendResult held = await(first.send(critical));
      assertEquals(MessageStatus.PENDING_DELIBERATION, held.status(), held.reasonCodes());
      await(first.vote(q.id(), judge1, VoteChoice.APPROVE, "fine"));
      Deliberation.Summary before = await(first.vote(q.id(), judge2, VoteChoice.APPROVE, "ok"));
      assertEquals(2, before.approvals());
      assertEquals(Deliberation.Phase.COLLECTING, before.phase());

      int host = ThreeNodeCluster.retry(() -> cluster.hostOf(Deliberation.ENTITY_KEY, q.id().toString())
          .orElseThrow(), Duration.ofSeconds(10));
      var victim = cluster.node(host);
      cluster.isolate(host);
      var survivorNode = cluster.node(cluster.anyAliveOtherThan(host));
      // keep-majority downs the isolated node, which then shuts itself down
      ThreeNodeCluster.awaitTrue(() -> ThreeNodeCluster.upMembers(survivorNode) == 2
              && ThreeNodeCluster.members(survivorNode) == 2,
          Duration.ofSeconds(60), "the isolated node removed");
      victim.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      AgentBus survivor = AgentBus.get(survivorNode);

      Deliberation.Summary moved = ThreeNodeCluster.retry(() -> await(survivor.deliberation(q.id())),
          Duration.ofSeconds(60));
      assertEquals(Deliberation.Phase.COLLECTING, moved.phase());
      assertEquals(before.votes(), moved.votes(), "every vote cast before the partition");
      assertEquals(before.deadline(), moved.deadline(), "the same deadline instant");
      int newHost = cluster.hostOf(Deliberation.ENTITY_KEY, q.id().toString()).orElseThrow();
      assertNotEquals(host, newHost);

      Deliberation.Summary decided = ThreeNodeCluster.retry(
          () -> await(survivor.vote(q.id(), judge3, VoteChoice.APPROVE, "ok")), Duration.ofSeconds(30));
      assertEquals(Deliberation.Outcome.APPROVED, decided.outcome(), decided.toString());
      assertEquals(before.deadline(), decided.deadline());
      ThreeNodeCluster.awaitTrue(() -> await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .anyMatch(i -> i.message().id().equals(q.id())), Duration.ofSeconds(30), "the approved message delivered");
      // a repeated vote after the decision changes nothing: still exactly one copy
      survivor.vote(q.id(), judge3, VoteChoice.APPROVE, "again").toCompletableFuture().handle((s, e) -> null).join();
      long copies = await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .filter(i -> i.message().id().equals(q.id())).count();
      assertEquals(1, copies);
    }
  }
}
