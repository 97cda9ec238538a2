package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import dev.agentbus.actors.support.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading a recipient's entries back from its ledger partition, as rebuilds and repeated acks do. */
class LedgerInboxSourceTest {

  private static final ActorTestKit testKit = ActorTestKit.create("LedgerInboxSource", TestConfigs.singleNodeCluster());
  private static AgentBus bus;
  private static LedgerInboxSource source;

  @BeforeAll
  static void joinItself() {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    bus = AgentBus.get(testKit.system());
    source = new LedgerInboxSource(testKit.system(),
        testKit.system().settings().config().getString("agentbus.read-journal-plugin-id"),
        bus.settings().ledgerPartitions());
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(15, TimeUnit.SECONDS).join();
  }

  private static String agent(String tenant) {
    AgentProfile p = await(bus.register(new Registration(null, "a", "llm", tenant, MaciRole.EXECUTIVE, List.of(),
        Map.of())));
    return p.id();
  }

  /** Sends {@code count} messages from a to b and answers their ids in order. */
  private static List<UUID> sent(String a, String b, String tenant, int count) {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      AgentMessage m = Messages.query(a, b, tenant);
      assertEquals(MessageStatus.ACCEPTED, await(bus.send(m)).status());
      ids.add(m.id());
    }
    return ids;
  }

  @Test
  void findsOneAcceptedMessageOfTheRecipient() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    List<UUID> ids = sent(a, b, tenant, 5);
    Optional<LedgerEntry> third = await(source.acceptedEntry(b, ids.get(2)));
    assertTrue(third.isPresent());
    assertEquals(b, third.get().recipientId());
    assertEquals(3, third.get().recipientSeq());
    assertTrue(third.get().position() > 0, "the entry knows its place in the partition");
  }

  @Test
  void findsNothingForAnotherRecipientsMessageOrAnUnknownId() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    UUID toB = sent(a, b, tenant, 1).get(0);
    assertEquals(Optional.empty(), await(source.acceptedEntry(a, toB)));
    assertEquals(Optional.empty(), await(source.acceptedEntry(b, UUID.randomUUID())));
  }

  @Test
  void readsTheRecipientsEntriesInLedgerOrderFromAPosition() {
    String tenant = "t-" + UUID.randomUUID();
    String a = agent(tenant);
    String b = agent(tenant);
    List<UUID> ids = sent(a, b, tenant, 4);
    List<LedgerEntry> all = await(source.acceptedFor(b, 0));
    assertEquals(ids, all.stream().map(e -> e.message().id()).toList());
    long thirdAt = all.get(2).position();
    List<LedgerEntry> fromThird = await(source.acceptedFor(b, thirdAt));
    assertEquals(ids.subList(2, 4), fromThird.stream().map(e -> e.message().id()).toList());
  }
}
