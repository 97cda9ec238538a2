package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.agent.AgentEntity;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxPage;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.Messages;
import dev.agentbus.actors.support.TestConfigs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bus end to end on one node: pipeline, ledger, delivery, inboxes (in-memory journal). */
class AgentBusTest {

  private static final ActorTestKit testKit = ActorTestKit.create("AgentBus", TestConfigs.singleNodeCluster());
  private static AgentBus bus;

  @BeforeAll
  static void joinItself() {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    bus = AgentBus.get(testKit.system());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(15, java.util.concurrent.TimeUnit.SECONDS).join();
  }

  private static String agent(String tenant, MaciRole role, List<String> capabilities) {
    AgentProfile p = await(bus.register(new Registration(null, "a", "llm", tenant, role, capabilities, Map.of())));
    return p.id();
  }

  private static String agent(String tenant) {
    return agent(tenant, MaciRole.EXECUTIVE, List.of());
  }

  private static List<InboxItem> inbox(String agentId) {
    return await(bus.readInbox(agentId, InboxQuery.all())).items();
  }

  @Test
  void spreadsAgentsOverTheConfiguredNumberOfShards() {
    int shards = bus.settings().agentShards();
    for (int i = 0; i < 30; i++) agent("t-" + UUID.randomUUID());
    TestProbe<ShardRegion.CurrentShardRegionState> probe = testKit.createTestProbe();
    ClusterSharding.get(testKit.system()).shardState()
        .tell(new GetShardRegionState(AgentEntity.ENTITY_KEY, probe.getRef()));
    var state = probe.receiveMessage();
    assertFalse(state.getShards().isEmpty());
    // 30 agents over Pekko's default of 1,000 shards would land outside [0, shards) almost surely
    for (ShardRegion.ShardState shard : state.getShards()) {
      int id = Integer.parseInt(shard.shardId());
      assertTrue(id >= 0 && id < shards, "shard " + id + " of " + shards);
    }
  }

  @Test
  void deliversAnAcceptedMessageToTheRecipientsInbox() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    AgentMessage m = Messages.query(a, b, tenant);
    SendResult r = await(bus.send(m));
    assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
    assertEquals(1, r.recipients());
    assertEquals(List.of(m.id()), inbox(b).stream().map(i -> i.message().id()).toList());
    InboxItem acked = await(bus.ack(b, m.id()));
    assertEquals(MessageStatus.ACKNOWLEDGED, acked.status());
  }

  @Test
  void rejectsAWrongHashAndDeliversNothing() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    AgentMessage q = Messages.query(a, b, tenant);
    AgentMessage wrong = new AgentMessage(q.id(), q.type(), q.priority(), a, b, tenant, q.payload(), null, null,
        "0000000000000000", q.timestamp(), null, null, Map.of());
    SendResult r = await(bus.send(wrong));
    assertEquals(MessageStatus.REJECTED, r.status());
    assertEquals("constitutional_hash_mismatch", r.reasons().get(0).code());
    assertTrue(r.durable(), "the rejection is recorded");
    assertTrue(inbox(b).isEmpty());
  }

  @Test
  void deliversOnceWhenTheSameMessageIsSentTwice() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    AgentMessage m = Messages.query(a, b, tenant);
    assertFalse(await(bus.send(m)).duplicate());
    SendResult again = await(bus.send(m));
    assertTrue(again.duplicate());
    assertEquals(MessageStatus.ACCEPTED, again.status());
    assertEquals(1, inbox(b).size());
  }

  @Test
  void broadcastsToTheSendersTenantOnlyAndNotToTheSender() {
    String tenant = "t-" + UUID.randomUUID();
    String other = "t-" + UUID.randomUUID();
    String sender = agent(tenant);
    String peer1 = agent(tenant);
    String peer2 = agent(tenant);
    String outsider = agent(other);
    SendResult r = await(bus.send(Messages.query(sender, null, tenant)));
    assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
    assertEquals(2, r.recipients());
    assertEquals(1, inbox(peer1).size());
    assertEquals(1, inbox(peer2).size());
    assertTrue(inbox(sender).isEmpty());
    assertTrue(inbox(outsider).isEmpty());
  }

  @Test
  void broadcastsOnlyToAgentsWithTheRequiredCapabilities() {
    String tenant = "t-" + UUID.randomUUID();
    String sender = agent(tenant);
    String capable = agent(tenant, MaciRole.EXECUTIVE, List.of("search", "summarize"));
    String partial = agent(tenant, MaciRole.EXECUTIVE, List.of("search"));
    SendResult r = await(bus.send(Messages.message(MessageType.QUERY, sender, null, tenant,
        "{\"required_capabilities\":[\"search\",\"summarize\"]}")));
    assertEquals(1, r.recipients());
    assertEquals(1, inbox(capable).size());
    assertTrue(inbox(partial).isEmpty());
  }

  @Test
  void asksTheEntityForAnAgentThisNodesDirectoryDoesNotKnowYet() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    // As if b had registered on another node a moment ago and replication had not arrived here yet.
    bus.directory().remove(b);
    SendResult r = await(bus.send(Messages.query(a, b, tenant)));
    assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
    assertEquals(1, inbox(b).size());
  }

  @Test
  void refusesAnUnknownRecipient() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    SendResult r = await(bus.send(Messages.query(a, "nobody-" + UUID.randomUUID(), tenant)));
    assertEquals(MessageStatus.REJECTED, r.status());
    assertEquals("unknown_recipient", r.reasons().get(0).code());
  }

  @Test
  void refusesACrossTenantMessage() {
    String a = agent("t-a-" + UUID.randomUUID());
    String tenantB = "t-b-" + UUID.randomUUID();
    String b = agent(tenantB);
    SendResult r = await(bus.send(Messages.query(a, b, tenantB)));
    assertEquals("tenant_mismatch", r.reasons().get(0).code());
    assertTrue(inbox(b).isEmpty());
  }

  @Test
  void holdsACriticalMessageForDeliberationWithoutDeliveringIt() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    AgentMessage q = Messages.query(a, b, tenant);
    AgentMessage critical = new AgentMessage(q.id(), q.type(), Priority.CRITICAL, a, b, tenant, q.payload(), null,
        null, q.constitutionalHash(), q.timestamp(), null, null, Map.of());
    SendResult r = await(bus.send(critical));
    assertEquals(MessageStatus.PENDING_DELIBERATION, r.status());
    assertTrue(r.impactScore() >= 0.9);
    assertTrue(inbox(b).isEmpty());
  }

  @Test
  void neverThrowsOnAMessageWithoutFields() {
    AgentMessage empty = new AgentMessage(null, null, null, null, null, null, null, null, null, null, null, null,
        null, null);
    SendResult r = await(bus.send(empty));
    assertEquals(MessageStatus.REJECTED, r.status());
    assertFalse(r.reasons().isEmpty());
  }

  @Test
  void refusesAJudicialAgentValidatingItsOwnOutput() {
    String tenant = "t-" + UUID.randomUUID();
    String judge = agent(tenant, MaciRole.JUDICIAL, List.of());
    String exec = agent(tenant);
    AgentMessage own = Messages.query(judge, exec, tenant);
    assertEquals(MessageStatus.ACCEPTED, await(bus.send(own)).status());
    SendResult r = await(bus.send(Messages.message(MessageType.CONSTITUTIONAL_VALIDATION, judge, exec, tenant,
        "{\"target_output_id\":\"" + own.id() + "\"}")));
    assertEquals("maci_self_validation", r.reasons().get(0).code());
  }

  @Test
  void pushesDeliveriesToASubscriber() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    TestProbe<InboxItem> probe = testKit.createTestProbe();
    bus.subscribe(b, probe.getRef());
    AgentMessage m = Messages.query(a, b, tenant);
    await(bus.send(m));
    assertEquals(m.id(), probe.receiveMessage(Duration.ofSeconds(10)).message().id());
  }

  @Test
  void doesNotDeliverAnExpiredMessage() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    AgentMessage q = Messages.query(a, b, tenant);
    AgentMessage expired = new AgentMessage(q.id(), q.type(), q.priority(), a, b, tenant, q.payload(), null, null,
        q.constitutionalHash(), q.timestamp(), Instant.now().minusSeconds(5), null, Map.of());
    SendResult r = await(bus.send(expired));
    assertEquals(MessageStatus.REJECTED, r.status());
    InboxPage page = await(bus.readInbox(b, InboxQuery.all()));
    assertEquals(0, page.total());
  }
}
