package dev.agentbus.actors.policy;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * {@code agentbus.policy.opa}: an optional external policy decision point, Open Policy Agent's REST data
 * API, consulted after the active bundle's rules, behind a circuit breaker, failing closed.
 *
 * @param dataPath the document under {@code /v1/data/}, e.g. {@code agentbus/policy}
 * @param callTimeout a call not answered in this time fails (and counts against the breaker)
 * @param maxFailures consecutive failures that open the breaker
 * @param resetTimeout how long the breaker stays open before one probe call is let through (half-open)
 */
public record OpaSettings(
    boolean enabled, URI url, String dataPath, Duration connectTimeout, Duration callTimeout, int maxFailures,
    Duration resetTimeout) {

  public OpaSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(dataPath, "dataPath");
    dataPath = trimSlashes(dataPath);
    if (dataPath.isEmpty()) throw new IllegalArgumentException("agentbus.policy.opa.path must name a document");
    if (maxFailures <= 0) throw new IllegalArgumentException("agentbus.policy.opa.breaker.max-failures must be > 0");
  }

  public static OpaSettings fromConfig(Config c) {
    return new OpaSettings(
        c.getBoolean("enabled"),
        URI.create(c.getString("url")),
        c.getString("path"),
        c.getDuration("connect-timeout"),
        c.getDuration("breaker.call-timeout"),
        c.getInt("breaker.max-failures"),
        c.getDuration("breaker.reset-timeout"));
  }

  /** {@code {url}/v1/data/{path}}. */
  public URI dataUri() {
    String base = url.toString();
    while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
    return URI.create(base + "/v1/data/" + dataPath);
  }

  private static String trimSlashes(String s) {
    String t = s.trim();
    while (t.startsWith("/")) t = t.substring(1);
    while (t.endsWith("/")) t = t.substring(0, t.length() - 1);
    return t;
  }
}
