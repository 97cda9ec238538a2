package dev.agentbus.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2CompactionTest {

  private static final int ROWS = 3000;

  @TempDir
  Path dir;

  /** One commit per row, appended, as the journal writes: each commit stores a new chunk, leaving dead pages. */
  private static void writeRows(Database db) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE journal(id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR)");
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO journal(body) VALUES (?)")) {
        for (int i = 0; i < ROWS; i++) {
          insert.setString(1, "x".repeat(500));
          insert.executeUpdate();
        }
      }
    }
  }

  private static int rows(Database db) throws Exception {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
         Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM journal")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void shrinksTheFileThatManySmallCommitsLeaveAndKeepsEveryRow() throws Exception {
    Database db = Database.h2File(dir);
    writeRows(db);
    H2Compaction.Result result = H2Compaction.compactIfLarger(db, 0).orElseThrow();
    assertEquals(result.bytesAfter(), Files.size(Path.of(db.h2FilePath() + ".mv.db")));
    assertTrue(result.bytesAfter() * 4 < result.bytesBefore(), result.bytesBefore() + " -> " + result.bytesAfter());
    assertEquals(ROWS, rows(db));
  }

  @Test
  void leavesAFileBelowTheThresholdAlone() throws Exception {
    Database db = Database.h2File(dir);
    writeRows(db);
    long size = Files.size(Path.of(db.h2FilePath() + ".mv.db"));
    assertTrue(H2Compaction.compactIfLarger(db, size).isEmpty());
    assertEquals(size, Files.size(Path.of(db.h2FilePath() + ".mv.db")));
  }

  @Test
  void leavesOtherDatabasesAndSharedFilesAlone() {
    assertTrue(H2Compaction.compactIfLarger(Database.h2Memory("compaction-" + System.nanoTime()), 0).isEmpty());
    assertTrue(H2Compaction.compactIfLarger(Database.h2File(dir).withAutoServer(), 0).isEmpty());
    assertTrue(H2Compaction.compactIfLarger(Database.h2File(dir.resolve("none")), 0).isEmpty(), "no file yet");
  }
}
