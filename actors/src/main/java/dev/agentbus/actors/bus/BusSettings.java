package dev.agentbus.actors.bus;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/** The {@code agentbus} block of the configuration, read once. */
public record BusSettings(
    Duration askTimeout,
    int ledgerPartitions,
    int ledgerMaxBatch,
    int ledgerDedupWindow,
    int ledgerSnapshotEvery,
    int ledgerSnapshotEveryEntries,
    Duration ledgerStartTimeout,
    int agentShards,
    int inboxMaxRetained,
    int inboxAcknowledgedOnRebuild,
    int agentSnapshotEvery,
    int defaultPageSize,
    int maxPageSize,
    int directoryShards,
    Duration directoryWriteTimeout,
    int directoryRebuildParallelism,
    Duration directoryRebuildWakeTimeout,
    long outputsMaxEntries,
    Duration backoffMin,
    Duration backoffMax,
    double backoffRandomFactor,
    int maxSendsInFlight,
    long nodeInboxBudgetBytes,
    long inboxEntryOverheadBytes,
    Duration inboxBudgetCheckInterval,
    Duration inboxBudgetWriteTimeout,
    double inboxBudgetResumeBelow) {

  public static BusSettings create(Config root) {
    Config c = root.getConfig("agentbus");
    return new BusSettings(
        c.getDuration("ask-timeout"),
        c.getInt("ledger.partitions"),
        c.getInt("ledger.max-batch"),
        c.getInt("ledger.dedup-window"),
        c.getInt("ledger.snapshot-every"),
        c.getInt("ledger.snapshot-every-entries"),
        c.getDuration("ledger.start-timeout"),
        positive(c, "agent.shards"),
        c.getInt("agent.inbox-max-retained"),
        notNegative(c, "agent.inbox-acknowledged-on-rebuild"),
        positive(c, "agent.snapshot-every"),
        c.getInt("agent.default-page-size"),
        c.getInt("agent.max-page-size"),
        c.getInt("directory.shards"),
        c.getDuration("directory.write-timeout"),
        positive(c, "directory.rebuild-parallelism"),
        c.getDuration("directory.rebuild-wake-timeout"),
        c.getLong("outputs-max-entries"),
        c.getDuration("entity-backoff.min"),
        c.getDuration("entity-backoff.max"),
        c.getDouble("entity-backoff.random-factor"),
        c.getInt("max-sends-in-flight"),
        bytesOrHeapShare(c, "agent.node-inbox-budget", Runtime.getRuntime().maxMemory()),
        c.getBytes("agent.inbox-entry-overhead"),
        c.getDuration("agent.inbox-budget-sharing.check-interval"),
        c.getDuration("agent.inbox-budget-sharing.write-timeout"),
        fraction(c, "agent.inbox-budget-sharing.resume-below"));
  }

  private static int positive(Config c, String path) {
    int n = c.getInt(path);
    if (n <= 0) throw new ConfigException.BadValue(path, "must be positive: " + n);
    return n;
  }

  private static double fraction(Config c, String path) {
    double f = c.getDouble(path);
    if (!(f > 0 && f <= 1)) throw new ConfigException.BadValue(path, "must be in (0, 1]: " + f);
    return f;
  }

  private static int notNegative(Config c, String path) {
    int n = c.getInt(path);
    if (n < 0) throw new ConfigException.BadValue(path, "must not be negative: " + n);
    return n;
  }

  /** A size ("256 MiB") or a share of the given heap ("25%"). */
  static long bytesOrHeapShare(Config c, String path, long maxHeap) {
    String text = c.getString(path).trim();
    long bytes;
    if (text.endsWith("%")) {
      double percent;
      try {
        percent = Double.parseDouble(text.substring(0, text.length() - 1).trim());
      } catch (NumberFormatException e) {
        throw new ConfigException.BadValue(path, "not a percentage: " + text);
      }
      if (!(percent > 0 && percent <= 100)) throw new ConfigException.BadValue(path, "must be in (0%, 100%]: " + text);
      bytes = (long) (maxHeap * (percent / 100));
    } else {
      bytes = c.getBytes(path);
    }
    if (bytes <= 0) throw new ConfigException.BadValue(path, "must be positive: " + text);
    return bytes;
  }
}
