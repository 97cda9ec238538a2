package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.chain.ChainVerifier;
import dev.agentbus.actors.ledger.LedgerPartition;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bus on a real journal (H2, and PostgreSQL when configured): what was acknowledged survives a
 * restart, inboxes are rebuilt from the ledger, and the hash chains verify from the database alone.
 */
class JournalRoundTripTest {

  static Stream<Database> databases() {
    return TestDatabases.all("roundtrip").stream();
  }

  private static <T> T await(CompletionStage<T> s) {
    return s.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static ActorSystem<Void> node(Database db) {
    ActorSystem<Void> system = TestNodes.start(db, 0, "");
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    return system;
  }

  private static void stop(ActorSystem<Void> system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @MethodSource("databases")
  void keepsAgentsAndInboxesAcrossARestartAndVerifiesTheChains(Database db) throws Exception {
    String tenant = "t";
    List<UUID> sent = new ArrayList<>();
    String a;
    String b;
    ActorSystem<Void> first = node(db);
    try {
      AgentBus bus = AgentBus.get(first);
      a = await(bus.register(new Registration(null, "a", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of()))).id();
      b = await(bus.register(new Registration(null, "b", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of()))).id();
      await(bus.updateMetadata(b, Map.of("marker", "v1")));
      for (int i = 0; i < 20; i++) {
        AgentMessage m = Messages.query(a, b, tenant);
        SendResult r = await(bus.send(m));
        assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
        sent.add(m.id());
      }
      await(bus.ack(b, sent.get(0)));
    } finally {
      stop(first);
    }

    ActorSystem<Void> second = node(db);
    try {
      AgentBus bus = AgentBus.get(second);
      // nothing addressed either agent yet: the start-up rebuild woke them
      String agentA = a;
      ThreeNodeCluster.awaitTrue(() -> bus.directory().find(agentA).isPresent()
          && bus.directory().find(b).isPresent(), Duration.ofSeconds(15), "directory rebuilt after the restart");
      var page = await(bus.readInbox(b, InboxQuery.all()));
      assertEquals(sent, page.items().stream().map(i -> i.message().id()).toList());
      assertEquals(MessageStatus.ACKNOWLEDGED, page.items().get(0).status());
      assertEquals(tenant, await(bus.profile(a)).tenantId());

      ChainVerifier.Report agentChain = await(JournalChainVerifier.verify(second, "Agent|" + b));
      assertTrue(agentChain.intact(), agentChain.detail());
      String ledgerPid = "Ledger|" + LedgerPartition.entityIdFor(b, bus.settings().ledgerPartitions());
      ChainVerifier.Report ledgerChain = await(JournalChainVerifier.verify(second, ledgerPid));
      assertTrue(ledgerChain.intact(), ledgerChain.detail());
      assertTrue(ledgerChain.checked() >= 20);

      long tamperedSeq = tamper(db, "Agent|" + b, "v1", "v2");
      ChainVerifier.Report broken = await(JournalChainVerifier.verify(second, "Agent|" + b));
      assertFalse(broken.intact());
      assertEquals(tamperedSeq, broken.firstBrokenSequenceNr().orElseThrow());
    } finally {
      stop(second);
    }
  }

  /** Rewrites a value inside one stored event, as an attacker with database access would. */
  private static long tamper(Database db, String persistenceId, String from, String to) throws Exception {
    String table = db.kind().isH2() ? "\"event_journal\"" : "event_journal";
    String pidCol = db.kind().isH2() ? "\"persistence_id\"" : "persistence_id";
    String seqCol = db.kind().isH2() ? "\"sequence_number\"" : "sequence_number";
    String payloadCol = db.kind().isH2() ? "\"event_payload\"" : "event_payload";
    byte[] needle = from.getBytes(StandardCharsets.UTF_8);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        PreparedStatement q = c.prepareStatement("SELECT " + seqCol + ", " + payloadCol + " FROM " + table
            + " WHERE " + pidCol + " = ? ORDER BY " + seqCol)) {
      q.setString(1, persistenceId);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          long seq = rs.getLong(1);
          byte[] payload = rs.getBytes(2);
          int at = indexOf(payload, needle);
          if (at < 0) continue;
          System.arraycopy(to.getBytes(StandardCharsets.UTF_8), 0, payload, at, needle.length);
          try (PreparedStatement u = c.prepareStatement("UPDATE " + table + " SET " + payloadCol + " = ? WHERE "
              + pidCol + " = ? AND " + seqCol + " = ?")) {
            u.setBytes(1, payload);
            u.setString(2, persistenceId);
            u.setLong(3, seq);
            u.executeUpdate();
          }
          return seq;
        }
      }
    }
    throw new AssertionError("no event of " + persistenceId + " contains " + from);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
      return i;
    }
    return -1;
  }
}
