package dev.agentbus.actors.keys;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code agentbus.keys} block (plus the shared ask timeout and entity backoff), read once. */
public record KeySettings(
    String defaultTenant,
    String defaultTenantName,
    String bootstrapPrincipal,
    int minGivenKeyLength,
    Duration bootstrapTimeout,
    Duration cacheTtl,
    long cacheMaxEntries,
    int snapshotEvery,
    Duration askTimeout,
    Duration backoffMin,
    Duration backoffMax,
    double backoffRandomFactor) {

  public static KeySettings create(Config root) {
    Config c = root.getConfig("agentbus.keys");
    return new KeySettings(
        c.getString("default-tenant"),
        c.getString("default-tenant-name"),
        c.getString("bootstrap-principal"),
        c.getInt("min-given-key-length"),
        c.getDuration("bootstrap-timeout"),
        c.getDuration("cache-ttl"),
        c.getLong("cache-max-entries"),
        c.getInt("snapshot-every"),
        root.getDuration("agentbus.ask-timeout"),
        root.getDuration("agentbus.entity-backoff.min"),
        root.getDuration("agentbus.entity-backoff.max"),
        root.getDouble("agentbus.entity-backoff.random-factor"));
  }
}
