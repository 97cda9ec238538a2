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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The node hosting a deliberation goes away mid-vote, by leaving gracefully or by being cut off (a network
 * partition, the Split Brain Resolver downs it): the deliberation comes back on another node with every
 * vote cast so far and the same deadline, the vote completes there, and the approved message is delivered
 * exactly once.
 */
class DeliberationFailoverTest {

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static String register(AgentBus bus, String tenant, MaciRole role, List<String> capabilities) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, role, capabilities, Map.of()))).id();
  }

  static Stream<Database> databases() {
    return TestDatabases.all("delibcut").stream();
  }

  /** A tenant with a sender, a recipient and three judges, and a CRITICAL message held for their votes. */
  private record Held(String recipient, String judge1, String judge2, String judge3, AgentMessage message) {

    static Held on(AgentBus bus) {
      String tenant = "t-" + UUID.randomUUID();
      String sender = register(bus, tenant, MaciRole.EXECUTIVE, List.of());
      String recipient = register(bus, tenant, MaciRole.EXECUTIVE, List.of());
      // the default risk rules want approvals from a supervisor and a compliance holder at impact >= 0.8
      String judge1 = register(bus, tenant, MaciRole.JUDICIAL, List.of("supervisor"));
      String judge2 = register(bus, tenant, MaciRole.JUDICIAL, List.of("compliance"));
      String judge3 = register(bus, tenant, MaciRole.JUDICIAL, List.of());
      // voters are the tenant's judges this node knows: wait for the replicated directory
      ThreeNodeCluster.awaitTrue(() -> bus.directory().activeInTenant(tenant).size() == 5, Duration.ofSeconds(15),
          "five agents in the directory");
      AgentMessage q = Messages.query(sender, recipient, tenant);
      AgentMessage critical = new AgentMessage(q.id(), q.type(), Priority.CRITICAL, sender, recipient, tenant,
          q.payload(), null, null, q.constitutionalHash(), q.timestamp(), null, null, Map.of());
      SendResult held = await(bus.send(critical));
      assertEquals(MessageStatus.PENDING_DELIBERATION, held.status(), held.reasonCodes());
      return new Held(recipient, judge1, judge2, judge3, critical);
    }

    UUID id() {
      return message.id();
    }

    /** The approved message reached the recipient, and a repeated vote after the decision adds no copy. */
    void assertDeliveredOnce(AgentBus survivor) {
      ThreeNodeCluster.awaitTrue(() -> await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .anyMatch(i -> i.message().id().equals(id())), Duration.ofSeconds(30), "the approved message delivered");
      survivor.vote(id(), judge3, VoteChoice.APPROVE, "again").toCompletableFuture().handle((s, e) -> null).join();
      long copies = await(survivor.readInbox(recipient, InboxQuery.all())).items().stream()
          .filter(i -> i.message().id().equals(id())).count();
      assertEquals(1, copies);
    }
  }

  private static int hostOf(ThreeNodeCluster cluster, Held h) {
    return ThreeNodeCluster.retry(() -> cluster.hostOf(Deliberation.ENTITY_KEY, h.id().toString()).orElseThrow(),
        Duration.ofSeconds(10));
  }

  @Test
  void aDeliberationKeepsItsVotesAndDeadlineWhenItsHostLeaves() throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(Database.h2Memory("delib-" + UUID.randomUUID()))) {
      AgentBus first = AgentBus.get(cluster.node(0));
      Held h = Held.on(first);
      Deliberation.Summary before = await(first.vote(h.id(), h.judge1(), VoteChoice.APPROVE, "fine"));
      assertEquals(1, before.approvals());

      int host = hostOf(cluster, h);
      cluster.leaveGracefully(host);
      AgentBus survivor = AgentBus.get(cluster.node(cluster.anyAliveOtherThan(host)));

      Deliberation.Summary moved = ThreeNodeCluster.retry(() -> await(survivor.deliberation(h.id())),
          Duration.ofSeconds(60));
      assertEquals(1, moved.approvals(), "the vote cast before the move");
      assertEquals(before.deadline(), moved.deadline(), "the deadline holds");
      int newHost = cluster.hostOf(Deliberation.ENTITY_KEY, h.id().toString()).orElseThrow();
      assertNotEquals(host, newHost);

      await(survivor.vote(h.id(), h.judge2(), VoteChoice.APPROVE, "ok"));
      Deliberation.Summary decided = await(survivor.vote(h.id(), h.judge3(), VoteChoice.APPROVE, "ok"));
      assertEquals(Deliberation.Phase.DECIDED, decided.phase(), decided.toString());
      h.assertDeliveredOnce(survivor);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aDeliberationKeepsItsVotesAndDeadlineWhenItsHostIsCutOff(Database db) throws Exception {
    try (ThreeNodeCluster cluster = new ThreeNodeCluster(db)) {
      AgentBus first = AgentBus.get(cluster.node(0));
      Held h = Held.on(first);
      await(first.vote(h.id(), h.judge1(), VoteChoice.APPROVE, "fine"));
      Deliberation.Summary before = await(first.vote(h.id(), h.judge2(), VoteChoice.APPROVE, "ok"));
      assertEquals(2, before.approvals());
      assertEquals(Deliberation.Phase.COLLECTING, before.phase());

      int host = hostOf(cluster, h);
      var victim = cluster.node(host);
      cluster.isolate(host);
      var survivorNode = cluster.node(cluster.anyAliveOtherThan(host));
      // keep-majority downs the isolated node, which then shuts itself down
      ThreeNodeCluster.awaitTrue(() -> ThreeNodeCluster.upMembers(survivorNode) == 2
              && ThreeNodeCluster.members(survivorNode) == 2,
          Duration.ofSeconds(60), "the isolated node removed");
      victim.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      AgentBus survivor = AgentBus.get(survivorNode);

      Deliberation.Summary moved = ThreeNodeCluster.retry(() -> await(survivor.deliberation(h.id())),
          Duration.ofSeconds(60));
      assertEquals(Deliberation.Phase.COLLECTING, moved.phase());
      assertEquals(before.votes(), moved.votes(), "every vote cast before the partition");
      assertEquals(before.deadline(), moved.deadline(), "the same deadline instant");
      int newHost = cluster.hostOf(Deliberation.ENTITY_KEY, h.id().toString()).orElseThrow();
      assertNotEquals(host, newHost);

      Deliberation.Summary decided = ThreeNodeCluster.retry(
          () -> await(survivor.vote(h.id(), h.judge3(), VoteChoice.APPROVE, "ok")), Duration.ofSeconds(30));
      assertEquals(Deliberation.Outcome.APPROVED, decided.outcome(), decided.toString());
      assertEquals(before.deadline(), decided.deadline());
      h.assertDeliveredOnce(survivor);
    }
  }
}
