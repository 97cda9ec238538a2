package dev.agentbus.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The ledger partition count a database was written with, recorded at the first start and checked at every
 * start after. A recipient's partition is {@code hash(recipient) mod count}: a node started with another count
 * would send each recipient's new messages to another partition and rebuild inboxes from it, so earlier unread
 * messages would silently vanish from inboxes. Such a node refuses to start instead.
 *
 * <p>A database written before the count was recorded gets it recorded at its next start, unless its journal
 * already holds a partition at or beyond the configured count (checked up to {@link #LEGACY_PROBE} above it).
 * A count raised on such a database cannot be told from an unchanged one and is recorded as it is.
 */
public final class StoredLayout {

  static final String PARTITIONS = "ledger.partitions";
  /** How many partition ids beyond the configured count a database without a record is probed for. */
  static final int LEGACY_PROBE = 256;
  private static final String UNIQUE_VIOLATION = "23505";

  /** The database holds another partition count than the node is configured with. */
  public static final class PartitionCountMismatch extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PartitionCountMismatch(String message) {
      super(message);
    }
  }

  private StoredLayout() {}

  /**
   * Records {@code partitions} on a database that has no count yet, or checks it against the recorded one.
   *
   * @throws PartitionCountMismatch when the database was written with another count
   */
  public static void verifyPartitions(Database db, int partitions) {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      Optional<String> recorded = read(c);
      if (recorded.isEmpty()) {
        Optional<Integer> beyond = legacyPartitionAtOrBeyond(c, partitions);
        if (beyond.isPresent()) {
          throw new PartitionCountMismatch(String.format(
              "the database holds ledger partition %d, so it was written with more than %d partitions, the count this "
                  + "node is configured with (agentbus.ledger.partitions). A recipient's partition is its hash modulo "
                  + "the count: set the count the database was written with, or start on a new database (a new data "
                  + "directory).",
              beyond.get(), partitions));
        }
        recorded = Optional.of(record(c, partitions));
      }
      if (!recorded.get().equals(Integer.toString(partitions))) {
        throw new PartitionCountMismatch(String.format(
            "the database was written with agentbus.ledger.partitions = %s, and this node is configured with %d. A "
                + "recipient's partition is its hash modulo the count, so another count would hide every inbox's "
                + "earlier messages: set %s, or start on a new database (a new data directory).",
            recorded.get(), partitions, recorded.get()));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the ledger layout from " + db.describe() + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> read(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT \"setting_value\" FROM \"agentbus_layout\" WHERE \"setting\" = ?")) {
      s.setString(1, PARTITIONS);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** Records the count, or answers the one another node recorded first. */
  private static String record(Connection c, int partitions) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO \"agentbus_layout\" (\"setting\", \"setting_value\") VALUES (?, ?)")) {
      s.setString(1, PARTITIONS);
      s.setString(2, Integer.toString(partitions));
      s.executeUpdate();
      return Integer.toString(partitions);
    } catch (SQLException e) {
      // a unique violation (the same SQL state on H2 and PostgreSQL): another node inserted it since the read, and
      // its count stands; anything else is a real failure
      if (!UNIQUE_VIOLATION.equals(e.getSQLState())) throw e;
      try {
        return read(c).orElseThrow(() -> e);
      } catch (SQLException reread) {
        reread.addSuppressed(e);
        throw reread;
      }
    }
  }

  private static Optional<Integer> legacyPartitionAtOrBeyond(Connection c, int partitions) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "SELECT 1 FROM \"event_journal\" WHERE \"persistence_id\" = ? FETCH FIRST 1 ROWS ONLY")) {
      for (int p = partitions; p < partitions + LEGACY_PROBE; p++) {
        s.setString(1, "Ledger|" + p);
        try (ResultSet rs = s.executeQuery()) {
          if (rs.next()) return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }
}
