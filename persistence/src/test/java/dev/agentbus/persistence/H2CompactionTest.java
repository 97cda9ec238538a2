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
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2CompactionTest {

  private static final H2Compaction.Settings SETTINGS =
      new H2Compaction.Settings(Duration.ofSeconds(10), Duration.ofMillis(200), 50);
  private static final int ROWS = 3000;

  @TempDir
  Path dir;

  private static long fileSize(Database db) throws Exception {
    return Files.size(Path.of(db.h2FilePath() + ".mv.db"));
  }

  @Test
  void shrinksTheFileThatManySmallCommitsLeaveAndKeepsEveryRow() throws Exception {
    Database db = Database.h2File(dir);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE journal(id BIGINT AUTO_INCREMENT PRIMARY KEY, body VARCHAR)");
      }
      // one commit per row, appended, as the journal writes: with WRITE_DELAY=0 each commit stores a new chunk,
      // and the pages it replaced stay in the file as dead data
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO journal(body) VALUES (?)")) {
        for (int i = 0; i < ROWS; i++) {
          insert.setString(1, "x".repeat(500));
          insert.executeUpdate();
        }
        long before = fileSize(db);
        try (H2Compaction compaction = H2Compaction.unscheduled(db, SETTINGS).orElseThrow()) {
          assertTrue(compaction.compactIfSparse(), "most of the file is dead");
          // as in a node, commits go on between two compactions; the second moves chunks and truncates
          insert.setString(1, "y");
          insert.executeUpdate();
          compaction.compactIfSparse();
        }
        long after = fileSize(db);
        assertTrue(after * 4 < before, "file " + before + " -> " + after + " bytes");
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM journal")) {
        rs.next();
        assertEquals(ROWS + 1, rs.getInt(1));
      }
    }
  }

  @Test
  void leavesDatabasesOtherThanAnH2FileAlone() {
    assertTrue(H2Compaction.start(Database.h2Memory("compaction-" + System.nanoTime()), SETTINGS).isEmpty());
  }
}
