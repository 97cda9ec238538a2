package dev.agentbus.actors.bus;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code agentbus} block of the configuration, read once. */
public record BusSettings(
    Duration askTimeout,
    int ledgerPartitions,
    int ledgerMaxBatch,
    int ledgerDedupWindow,
    int ledgerSnapshotEvery,
    Duration ledgerLinger,
    int ledgerLingerBatch,
    int inboxMaxRetained,
    int defaultPageSize,
    int maxPageSize,
    int directoryShards,
    Duration directoryWriteTimeout,
    long outputsMaxEntries,
    Duration backoffMin,
    Duration backoffMax,
    double backoffRandomFactor,
    int maxSendsInFlight) {

  public static BusSettings create(Config root) {
    Config c = root.getConfig("agentbus");
    return new BusSettings(
        c.getDuration("ask-timeout"),
        c.getInt("ledger.partitions"),
        c.getInt("ledger.max-batch"),
        c.getInt("ledger.dedup-window"),
        c.getInt("ledger.snapshot-every"),
        c.getDuration("ledger.linger"),
        c.getInt("ledger.linger-batch"),
        c.getInt("agent.inbox-max-retained"),
        c.getInt("agent.default-page-size"),
        c.getInt("agent.max-page-size"),
        c.getInt("directory.shards"),
        c.getDuration("directory.write-timeout"),
        c.getLong("outputs-max-entries"),
        c.getDuration("entity-backoff.min"),
        c.getDuration("entity-backoff.max"),
        c.getDouble("entity-backoff.random-factor"),
        c.getInt("max-sends-in-flight"));
  }
}
