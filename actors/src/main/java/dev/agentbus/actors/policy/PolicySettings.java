package dev.agentbus.actors.policy;

import com.typesafe.config.Config;
import dev.agentbus.actors.governance.DecisionCache;
import java.security.PublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code agentbus.policy}: trusted signing keys, the decision cache, the rate counter, the registry and
 * the distribution of the active bundle.
 *
 * @param cacheMaxPayloadLength payloads whose JSON text is longer (in characters) are never cached
 * @param cacheMaxPayloadDepth payloads nested deeper are never cached
 * @param cacheDoorkeeperKeys a decision is kept only when its key missed before, among about this many keys
 *     remembered; 0: at its first miss
 * @param trustedKeys when not empty, a bundle activates only if one of these keys signed it
 * @param requireApproval when on, only approved (or formerly active) policies may be activated
 */
public record PolicySettings(
    Map<String, PublicKey> trustedKeys,
    boolean requireApproval,
    boolean cacheEnabled,
    long cacheMaxEntries,
    Duration cacheTtl,
    int cacheMaxPayloadLength,
    int cacheMaxPayloadDepth,
    int cacheDoorkeeperKeys,
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
        c.getInt("cache.max-payload-length"),
        c.getInt("cache.max-payload-depth"),
        c.getInt("cache.doorkeeper-keys"),
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
    return new PolicySettings(keys, requireApproval, cacheEnabled, cacheMaxEntries, cacheTtl, cacheMaxPayloadLength,
        cacheMaxPayloadDepth, cacheDoorkeeperKeys, rateWindow, rateBuckets, rateMaxKeys, snapshotEvery, maxPolicies, maxVersions, askTimeout,
        writeTimeout, readRetry);
  }

  /** This node's decision cache as configured, empty when it is off. */
  public Optional<DecisionCache> decisionCache() {
    return cacheEnabled
        ? Optional.of(new DecisionCache(cacheMaxEntries, cacheTtl, cacheMaxPayloadLength, cacheMaxPayloadDepth,
            cacheDoorkeeperKeys))
        : Optional.empty();
  }
}
