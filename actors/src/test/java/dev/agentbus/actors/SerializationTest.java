package dev.agentbus.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.agentbus.actors.agent.AgentEntity;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxPage;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.chain.HashChain;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.Messages;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every message, event and state that crosses nodes or is persisted survives Jackson CBOR unchanged,
 * and a record's hash is the same after the round trip (the audit chain depends on it).
 */
class SerializationTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static final Instant T = Instant.parse("2026-01-15T12:00:00.123456789Z");

  private static AgentMessage message() {
    return new AgentMessage(UUID.randomUUID(), MessageType.GOVERNANCE_REQUEST, Priority.HIGH, "a", "b", "t",
        Messages.json("{\"text\":\"x\",\"n\":3,\"f\":0.5,\"nested\":{\"list\":[1,\"two\",null,true]}}"), "conv",
        UUID.randomUUID().toString(), Messages.HASH, T, T.plusSeconds(60), "key-1", Map.of("k", "v"));
  }

  private static AgentProfile profile() {
    return new AgentProfile("a", "name", "llm", "t", MaciRole.JUDICIAL, List.of("c1"), Map.of("m", "1"),
        AgentStatus.ACTIVE, T, T);
  }

  private static LedgerEntry entry() {
    return new LedgerEntry(message(), "b", MessageStatus.ACCEPTED, List.of(new Reason("r", "why")), 0.42, T,
        HashChain.GENESIS, "abc", 7, 3);
  }

  private <M> void roundTrips(M m) {
    testKit.serializationTestKit().verifySerialization(m, true);
  }

  @Test
  void roundTripsTheMessageModel() {
    roundTrips(message());
    roundTrips(profile());
    roundTrips(Decision.allow(0.1));
    roundTrips(new Decision(Decision.Outcome.DENY, List.of(new Reason("tenant_mismatch", "x")), 0, Map.of("a", "b")));
  }

  @Test
  void roundTripsTheLedgerProtocol() {
    TestProbe<LedgerPartition.Appended> probe = testKit.createTestProbe();
    roundTrips(new LedgerPartition.Append(entry(), probe.getRef()));
    roundTrips(new LedgerPartition.Appended(new LedgerPartition.Outcome(UUID.randomUUID(), "b",
        MessageStatus.REJECTED, List.of(new Reason("x", "y")), 0.1, "h"), true));
    roundTrips(new LedgerPartition.BatchWritten(List.of(entry(), entry())));
    LinkedHashMap<String, LedgerPartition.Outcome> recent = new LinkedHashMap<>();
    recent.put("m:1:b", new LedgerPartition.Outcome(UUID.randomUUID(), "b", MessageStatus.ACCEPTED, List.of(), 0, "h"));
    roundTrips(new LedgerPartition.State(3, "h", recent, new HashMap<>(Map.of("b", 2L))));
  }

  @Test
  void roundTripsTheAgentProtocol() {
    TestProbe<StatusReply<AgentProfile>> profiles = testKit.createTestProbe();
    TestProbe<StatusReply<InboxPage>> pages = testKit.createTestProbe();
    TestProbe<InboxItem> items = testKit.createTestProbe();
    roundTrips(new AgentEntity.Register("n", "t", "tenant", MaciRole.EXECUTIVE, List.of("c"), Map.of("k", "v"),
        profiles.getRef()));
    roundTrips(new AgentEntity.Deliver(entry()));
    TestProbe<LedgerPartition.Appended> senders = testKit.createTestProbe();
    roundTrips(new AgentEntity.Deliver(entry(), List.of(new LedgerPartition.Answer(senders.getRef(),
        new LedgerPartition.Appended(new LedgerPartition.Outcome(UUID.randomUUID(), "b", MessageStatus.ACCEPTED,
            List.of(), 0.2, "h"), false)))));
    roundTrips(new AgentEntity.ReadInbox(new InboxQuery(MessageType.QUERY, T, true, 2, 10), pages.getRef()));
    roundTrips(new AgentEntity.Subscribe(items.getRef()));
    TestProbe<Done> done = testKit.createTestProbe();
    roundTrips(new AgentEntity.Wake(done.getRef()));
    roundTrips(new InboxPage(List.of(new InboxItem(message(), MessageStatus.DELIVERED, T)), 1, 1, 50));
    roundTrips(new AgentEntity.Registered(profile(), HashChain.GENESIS, "h1"));
    roundTrips(new AgentEntity.MetadataUpdated(Map.of("a", "b"), T, "h1", "h2"));
    roundTrips(new AgentEntity.MessageAcknowledged(UUID.randomUUID(), T, 12, 4, "h2", "h3"));
    roundTrips(new AgentEntity.InboxCheckpointed(12, 4, "h3", "h4"));
    roundTrips(new AgentEntity.State(profile(), new LinkedHashSet<>(List.of(UUID.randomUUID())), "h3", true, 12, 4));
  }

  @Test
  void keepsARecordsHashAcrossARoundTrip() throws Exception {
    LedgerEntry e = entry();
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    byte[] bytes = serialization.serialize(e).get();
    LedgerEntry back = serialization.deserialize(bytes, LedgerEntry.class).get();
    assertEquals(HashChain.link("p", "Ledger|0", 1, 0, e.content()),
        HashChain.link("p", "Ledger|0", 1, 0, back.content()));
  }

  @Test
  void readsWhatWasWrittenBeforeEntriesWereNumbered() throws Exception {
    ObjectMapper mapper = JacksonObjectMapperProvider.get(testKit.system())
        .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()));
    ObjectNode oldEntry = mapper.valueToTree(entry());
    oldEntry.remove(List.of("position", "recipientSeq"));
    LedgerEntry entry = mapper.treeToValue(oldEntry, LedgerEntry.class);
    assertEquals(0, entry.position());
    assertEquals(0, entry.recipientSeq());

    ObjectNode oldState = mapper.valueToTree(new LedgerPartition.State(3, "h", new LinkedHashMap<>(), new HashMap<>()));
    oldState.remove("deliveredTo");
    assertEquals(Map.of(), mapper.treeToValue(oldState, LedgerPartition.State.class).deliveredTo());

    // an acknowledgement written before it carried the rebuild point hashes as it did then
    UUID id = UUID.randomUUID();
    var old = new AgentEntity.MessageAcknowledged(id, T, 0, 0, "h2", "h3");
    assertEquals(HashChain.canonicalJson(new AgentEntity.Body("MessageAcknowledged",
            Map.of("messageId", id.toString(), "at", T.toString()))),
        HashChain.canonicalJson(old.content()));
  }
}
