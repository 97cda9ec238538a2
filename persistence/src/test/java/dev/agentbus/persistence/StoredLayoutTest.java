package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** On H2, and on PostgreSQL when it is configured (always on CI). */
class StoredLayoutTest {

  private static Database migrated(Database db) {
    SchemaMigrations.migrate(db);
    return db;
  }

  @Test
  void recordsTheCountAtTheFirstStartAndAcceptsItAfter() {
    for (Database db : TestDatabases.all("layout_same")) {
      migrated(db);
      assertDoesNotThrow(() -> StoredLayout.verifyPartitions(db, 3));
      assertDoesNotThrow(() -> StoredLayout.verifyPartitions(db, 3));
    }
  }

  @Test
  void refusesACountOtherThanTheRecordedOne() {
    for (Database db : TestDatabases.all("layout_other")) {
      migrated(db);
      StoredLayout.verifyPartitions(db, 2);
      var raised = assertThrows(StoredLayout.PartitionCountMismatch.class, () -> StoredLayout.verifyPartitions(db, 4));
      assertTrue(raised.getMessage().contains("agentbus.ledger.partitions = 2"), raised.getMessage());
      assertThrows(StoredLayout.PartitionCountMismatch.class, () -> StoredLayout.verifyPartitions(db, 1));
    }
  }

  @Test
  void refusesFewerPartitionsThanAnUnrecordedJournalHolds() throws Exception {
    for (Database db : TestDatabases.all("layout_legacy")) {
      migrated(db);
      writeLedgerEvent(db, "Ledger|3");
      var fewer = assertThrows(StoredLayout.PartitionCountMismatch.class, () -> StoredLayout.verifyPartitions(db, 2));
      assertTrue(fewer.getMessage().contains("holds ledger partition 3"), fewer.getMessage());
      // nothing was recorded by the refusal: the count the journal fits is
      assertDoesNotThrow(() -> StoredLayout.verifyPartitions(db, 4));
      assertThrows(StoredLayout.PartitionCountMismatch.class, () -> StoredLayout.verifyPartitions(db, 5));
    }
  }

  /** A journal row as pekko-persistence-jdbc writes it, enough for the layout check. */
  private static void writeLedgerEvent(Database db, String persistenceId) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
         PreparedStatement s = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\", "
             + "\"sequence_number\", \"deleted\", \"writer\", \"write_timestamp\", \"adapter_manifest\", "
             + "\"event_ser_id\", \"event_ser_manifest\", \"event_payload\") VALUES (?, 1, FALSE, 'test', 0, '', 1, "
             + "'m', ?)")) {
      s.setString(1, persistenceId);
      s.setBytes(2, new byte[] {1});
      s.executeUpdate();
    }
  }

  @Test
  void answersTheCountAnotherNodeRecordedFirst() throws Exception {
    for (Database db : TestDatabases.all("layout_race")) {
      migrated(db);
      try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
           Statement s = c.createStatement()) {
        s.execute("INSERT INTO \"agentbus_layout\" (\"setting\", \"setting_value\") VALUES ('ledger.partitions', '6')");
      }
      assertThrows(StoredLayout.PartitionCountMismatch.class, () -> StoredLayout.verifyPartitions(db, 2));
      assertDoesNotThrow(() -> StoredLayout.verifyPartitions(db, 6));
    }
  }

  /** Nodes of a new cluster starting at once, half configured with 2 partitions and half with 3: one count wins. */
  @Test
  void agreesOnOneCountWhenNodesStartAtOnce() throws Exception {
    for (int round = 0; round < 3; round++) {
      for (Database db : TestDatabases.all("layout_start_" + round)) {
        migrated(db);
        int nodes = 8;
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          int count = 2 + i % 2;
          outcomes.add(pool.submit(() -> {
            go.await();
            try {
              StoredLayout.verifyPartitions(db, count);
              return "started with " + count;
            } catch (StoredLayout.PartitionCountMismatch e) {
              return "refused";
            }
          }));
        }
        go.countDown();
        List<String> seen = new ArrayList<>();
        for (Future<String> f : outcomes) seen.add(f.get(30, TimeUnit.SECONDS));
        pool.shutdown();
        assertEquals(nodes / 2, seen.stream().filter("refused"::equals).count(), db.kind() + " " + seen);
        assertEquals(1, seen.stream().filter(o -> !o.equals("refused")).distinct().count(), db.kind() + " " + seen);
      }
    }
  }
}
