package dev.agentbus.node.http;

import com.typesafe.config.Config;

/**
 * {@code agentbus.http.auth} and {@code agentbus.http.rate-limit}.
 *
 * @param enabled API keys required (else the tenant is the trusted {@code X-Tenant-ID} header)
 * @param wsRequireKey the WebSocket refuses a connection without a key (the SDK sends none)
 * @param perSecond sustained requests per second per key, on each node
 * @param burst requests a key may make at once after being idle
 * @param maxTrackedKeys buckets kept in memory per node (idle ones are dropped first)
 */
public record AuthSettings(boolean enabled, boolean wsRequireKey, double perSecond, int burst, long maxTrackedKeys) {

  public AuthSettings {
    if (perSecond <= 0) throw new IllegalArgumentException("agentbus.http.rate-limit.per-second must be positive");
    if (burst < 1) throw new IllegalArgumentException("agentbus.http.rate-limit.burst must be at least 1");
    if (maxTrackedKeys < 1) {
      throw new IllegalArgumentException("agentbus.http.rate-limit.max-tracked-keys must be positive");
    }
  }

  public static AuthSettings fromConfig(Config root) {
    Config auth = root.getConfig("agentbus.http.auth");
    Config rate = root.getConfig("agentbus.http.rate-limit");
    return new AuthSettings(auth.getBoolean("enabled"), auth.getBoolean("ws-require-key"),
        rate.getDouble("per-second"), rate.getInt("burst"), rate.getLong("max-tracked-keys"));
  }
}
