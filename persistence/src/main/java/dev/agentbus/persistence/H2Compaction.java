package dev.agentbus.persistence;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the embedded H2 file when a node starts, before anything else opens it. With {@code WRITE_DELAY=0} H2
 * starts no background writer, the only thread that rewrites chunks while a database is open, so the file grows
 * while the node runs (1.1 GB after 50,000 sends and 50,000 acknowledgements, of which 25 MB live) and a normal
 * close compacts it for at most 200 ms. {@code SHUTDOWN COMPACT} rewrites the whole file: 1.1 GB to 25 MB in 2.2 s
 * (docs/benchmarks.md, session 7). Killed with SIGKILL 16 times during or just after it, the file kept every row.
 *
 * <p>Session 6 compacted while the node ran ({@code MVStore.compactFile}, which frees space at once with H2's
 * retention time at 0). A SIGKILL drill lost 5 acknowledged messages in 1 of 6 runs with it, so it was removed.
 */
public final class H2Compaction {

  private static final Logger log = LoggerFactory.getLogger(H2Compaction.class);

  private H2Compaction() {}

  /** Before and after, in bytes, and how long it took. */
  public record Result(long bytesBefore, long bytesAfter, long millis) {}

  /**
   * Compacts the H2 file of {@code db} when it is larger than {@code aboveBytes}. Does nothing for any other
   * database, or for a file shared through H2's automatic server mode (another process may be using it).
   */
  public static Optional<Result> compactIfLarger(Database db, long aboveBytes) {
    if (db.kind() != Database.Kind.H2_FILE || db.url().contains("AUTO_SERVER=TRUE")) return Optional.empty();
    Path file = Path.of(db.h2FilePath() + ".mv.db");
    try {
      if (!Files.isRegularFile(file)) return Optional.empty();
      long before = Files.size(file);
      if (before <= aboveBytes) return Optional.empty();
      log.info("Compacting the H2 file {} ({} MB) before the node opens it", file, before >> 20);
      long started = System.nanoTime();
      try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
           Statement s = c.createStatement()) {
        s.execute("SHUTDOWN COMPACT");
      }
      Result result = new Result(before, Files.size(file), (System.nanoTime() - started) / 1_000_000);
      log.info("Compacted the H2 file {} in {} ms: {} -> {} MB", file, result.millis(), before >> 20,
          result.bytesAfter() >> 20);
      return Optional.of(result);
    } catch (IOException | SQLException e) {
      // the node can run on an uncompacted file; a damaged one fails at the next open with H2's own message
      log.warn("H2 file {} not compacted: {}", file, e.toString());
      return Optional.empty();
    }
  }
}
