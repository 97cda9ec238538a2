package dev.agentbus.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.h2.engine.Session;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts the embedded H2 file while the node runs (opt-in: {@code agentbus.h2-compaction}). With
 * {@code WRITE_DELAY=0} H2 starts no background writer, the only thread that compacts, so the file grows until the
 * database closes: 3.0 GB after 200,000 sends and 200,000 acknowledgements (docs/benchmarks.md, session 6).
 *
 * <p>Every {@code interval}, when live data is below {@code below-fill-rate} % of the bytes in the file's chunks, it
 * calls {@code MVStore.compactFile(max-time)} (H2 2.5.252, read with javap). That call holds the store lock
 * throughout, so every commit waits (0.5-1 s per call was measured for a 200 ms budget: one 16 MB round cannot be
 * interrupted), and it sets the store's retention time to 0, which this task puts back afterwards (a field read only
 * when deciding which dead chunks may be freed or rewritten). While it runs, freed space may be reused at once: safe
 * against a killed process (9 SIGKILLs, 4 during a compaction, lost nothing), not proven against a power cut, the
 * risk H2 documents for retention 0. Hence off by default.
 *
 * <p>Reaches H2's store through internal API ({@code SessionLocal}), so it works only for a database opened in this
 * process; otherwise it logs why and does nothing.
 */
public final class H2Compaction implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(H2Compaction.class);

  /**
   * @param interval time between checks (and so between compactions at most)
   * @param maxTime the budget handed to {@code compactFile} (it overruns: see the class comment)
   * @param belowFillRate compact only while live bytes are below this share (%) of the bytes in chunks
   */
  public record Settings(Duration interval, Duration maxTime, int belowFillRate) {}

  private final Connection connection;
  private final MVStore store;
  private final Settings settings;
  private final ScheduledExecutorService executor;

  private H2Compaction(Connection connection, MVStore store, Settings settings, boolean scheduled) {
    this.connection = connection;
    this.store = store;
    this.settings = settings;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "agentbus-h2-compaction");
      t.setDaemon(true);
      return t;
    });
    if (scheduled) {
      long ms = settings.interval().toMillis();
      executor.scheduleWithFixedDelay(this::runSafely, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /** Starts compacting an H2 file database on a schedule; empty for any other database, or when H2 refuses. */
  public static Optional<H2Compaction> start(Database db, Settings settings) {
    return open(db, settings, true);
  }

  /** For tests: the same, without the schedule ({@link #compactIfSparse()} by hand). */
  static Optional<H2Compaction> unscheduled(Database db, Settings settings) {
    return open(db, settings, false);
  }

  private static Optional<H2Compaction> open(Database db, Settings settings, boolean scheduled) {
    if (db.kind() != Database.Kind.H2_FILE) return Optional.empty();
    Connection c = null;
    try {
      c = DriverManager.getConnection(db.url(), db.user(), db.password());
      Session session = c.unwrap(JdbcConnection.class).getSession();
      if (!(session instanceof SessionLocal local)) {
        log.warn("H2 compaction off: the database is not open in this process");
        c.close();
        return Optional.empty();
      }
      MVStore store = local.getDatabase().getStore().getMvStore();
      log.info("H2 compaction every {} while live data is below {} % of the chunks, up to {} per call",
          settings.interval(), settings.belowFillRate(), settings.maxTime());
      return Optional.of(new H2Compaction(c, store, settings, scheduled));
    } catch (SQLException | RuntimeException e) {
      log.warn("H2 compaction off: {}", e.toString());
      if (c != null) {
        try {
          c.close();
        } catch (SQLException closing) {
          log.debug("closing the compaction connection: {}", closing.toString());
        }
      }
      return Optional.empty();
    }
  }

  private void runSafely() {
    try {
      compactIfSparse();
    } catch (RuntimeException e) {
      if (store.isClosed()) executor.shutdown();
      else log.warn("H2 compaction failed: {}", e.toString());
    }
  }

  /** Compacts when the chunks are sparse enough; answers whether it did. */
  boolean compactIfSparse() {
    if (store.isClosed()) return false;
    FileStore<?> file = store.getFileStore();
    int live = file.getChunksFillRate();
    if (live >= settings.belowFillRate()) return false;
    long before = file.size();
    long started = System.nanoTime();
    int retention = store.getRetentionTime();
    try {
      store.compactFile((int) settings.maxTime().toMillis());
    } finally {
      store.setRetentionTime(retention);
    }
    log.info("H2 compacted in {} ms (every commit waited meanwhile): file {} -> {} MB, live {} -> {} %",
        (System.nanoTime() - started) / 1_000_000, before >> 20, file.size() >> 20, live, file.getChunksFillRate());
    return true;
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.debug("closing the compaction connection: {}", e.toString());
    }
  }
}
