package dev.agentbus.actors.policy;

import com.typesafe.config.Config;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code agentbus.policy}: trusted signing keys, the decision cache, the rate counter, the registry and
 * the distribution of the active bundle.
 *
 * @param trustedKeys when not empty, a bundle activates only if one of these keys signed it
 * @param requireApproval when on, only approved (or formerly active) policies may be activated
 */
public record PolicySettings(
    Map<String, PublicKey> trustedKeys,
    boolean requireApproval,
    boolean cacheEnabled,
    long cacheMaxEntries,
    Duration cacheTtl,
    Duration rateWindow,
    int rateBuckets,
    long rateMaxKeys,
    int snapshotEvery,
    int maxPolicies,
    int maxVersions,
    Duration askTimeout,
    Duration writeTimeout,
    Duration readRetry) {

  public PolicySettings {
    trustedKeys = Map.copyOf(trustedKeys);
  }

  public static PolicySettings fromConfig(Config c) {
    Map<String, PublicKey> keys = new LinkedHashMap<>();
    for (Config k : c.getConfigList("trusted-keys")) {
      String id = k.getString("id");
      if (keys.put(id, BundleVerifier.publicKey(k.getString("key"))) != null) {
        throw new IllegalArgumentException("agentbus.policy.trusted-keys: key id '" + id + "' appears twice");
      }
    }
    return new PolicySettings(
        keys,
        c.getBoolean("require-approval"),
        c.getBoolean("cache.enabled"),
        c.getLong("cache.max-entries"),
        c.getDuration("cache.ttl"),
        c.getDuration("rates.window"),
        c.getInt("rates.buckets"),
        c.getLong("rates.max-keys"),
        c.getInt("registry.snapshot-every"),
        c.getInt("registry.max-policies"),
        c.getInt("registry.max-versions"),
        c.getDuration("registry.ask-timeout"),
        c.getDuration("distribution.write-timeout"),
        c.getDuration("distribution.read-retry"));
  }

  public PolicySettings withTrustedKeys(Map<String, PublicKey> keys) {
    return new PolicySettings(keys, requireApproval, cacheEnabled, cacheMaxEntries, cacheTtl, rateWindow, rateBuckets,
        rateMaxKeys, snapshotEvery, maxPolicies, maxVersions, askTimeout, writeTimeout, readRetry);
  }
}
