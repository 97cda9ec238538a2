package dev.agentbus.actors.governance;

import com.typesafe.config.Config;
import dev.agentbus.actors.model.MaciRole;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the governance pipeline, read from the {@code agentbus.governance} block
 * ({@code agentbus-governance.conf} holds the defaults).
 *
 * @param constitutionalHash every message must carry exactly this hash
 * @param maxPayloadBytes limit on the serialized (UTF-8 JSON) payload
 * @param extraInjectionPatterns regexes added to the seven built-in injection patterns (case-insensitive)
 * @param deliberationThreshold an impact score at or above it holds the message for deliberation
 */
public record GovernanceSettings(
    String constitutionalHash,
    int maxPayloadBytes,
    List<String> extraInjectionPatterns,
    double deliberationThreshold,
    Impact impact,
    Maci maci) {

  public static final String DEFAULT_CONSTITUTIONAL_HASH = "cdd01ef066bc6cf2";
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 65_536;
  public static final double DEFAULT_DELIBERATION_THRESHOLD = 0.8;

  public GovernanceSettings {
    if (constitutionalHash == null || constitutionalHash.isBlank()) {
      throw new IllegalArgumentException("constitutional-hash must not be blank");
    }
    if (maxPayloadBytes <= 0) {
      throw new IllegalArgumentException("max-payload-bytes must be positive, got " + maxPayloadBytes);
    }
    // above 1 nothing would ever be deliberated: refuse rather than silently switch deliberation off
    if (!(deliberationThreshold >= 0.0 && deliberationThreshold <= 1.0)) {
      throw new IllegalArgumentException(
          "deliberation-threshold must be in [0, 1], got " + deliberationThreshold);
    }
    extraInjectionPatterns = extraInjectionPatterns == null ? List.of() : List.copyOf(extraInjectionPatterns);
    Objects.requireNonNull(impact, "impact");
    Objects.requireNonNull(maci, "maci");
  }

  /** The same values as {@code agentbus-governance.conf}, without reading a config file or the environment. */
  public static GovernanceSettings defaults() {
    return new GovernanceSettings(DEFAULT_CONSTITUTIONAL_HASH, DEFAULT_MAX_PAYLOAD_BYTES, List.of(),
        DEFAULT_DELIBERATION_THRESHOLD, Impact.defaults(), Maci.defaults());
  }

  /** Reads the {@code agentbus.governance} block; MACI roles from the environment when it says so. */
  public static GovernanceSettings fromConfig(Config agentbusGovernanceBlock) {
    return fromConfig(agentbusGovernanceBlock, System.getenv());
  }

  /**
   * Like {@link #fromConfig(Config)} with an explicit environment (for tests). MACI sources override
   * in this order: the block, then {@code maci.config-file}, then the environment.
   */
  public static GovernanceSettings fromConfig(Config block, Map<String, String> environment) {
    Config impact = block.getConfig("impact");
    Config weights = impact.getConfig("weights");
    ImpactWeights w = new ImpactWeights(
        weights.getDouble("semantic"),
        weights.getDouble("permission"),
        weights.getDouble("volume"),
        weights.getDouble("context"),
        weights.getDouble("drift"),
        weights.getDouble("priority"),
        weights.getDouble("type"));
    Impact impactSettings = new Impact(
        w, impact.getLong("max-tracked-agents"), ZoneId.of(impact.getString("hour-zone")));

    Config m = block.getConfig("maci");
    String defaultRole = m.getString("default-role");
    Maci maci = new Maci(m.getBoolean("enabled"), m.getBoolean("strict"),
        defaultRole.isBlank() ? null : parseRole(defaultRole, "maci.default-role"), Map.of(), Map.of());
    String file = m.getString("config-file");
    if (!file.isBlank()) maci = maci.withConfig(MaciConfigLoader.load(Path.of(file)));
    if (m.getBoolean("read-environment")) maci = maci.withConfig(MaciConfigLoader.fromEnvironment(environment));

    long maxBytes = block.getBytes("max-payload-bytes");
    if (maxBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("max-payload-bytes too large: " + maxBytes);
    }
    return new GovernanceSettings(
        block.getString("constitutional-hash"),
        (int) maxBytes,
        block.getStringList("extra-injection-patterns"),
        block.getDouble("deliberation-threshold"),
        impactSettings,
        maci);
  }

  public GovernanceSettings withMaci(Maci newMaci) {
    return new GovernanceSettings(constitutionalHash, maxPayloadBytes, extraInjectionPatterns,
        deliberationThreshold, impact, newMaci);
  }

  public GovernanceSettings withImpact(Impact newImpact) {
    return new GovernanceSettings(constitutionalHash, maxPayloadBytes, extraInjectionPatterns,
        deliberationThreshold, newImpact, maci);
  }

  public GovernanceSettings withExtraInjectionPatterns(List<String> patterns) {
    return new GovernanceSettings(constitutionalHash, maxPayloadBytes, patterns, deliberationThreshold,
        impact, maci);
  }

  public GovernanceSettings withMaxPayloadBytes(int bytes) {
    return new GovernanceSettings(constitutionalHash, bytes, extraInjectionPatterns, deliberationThreshold,
        impact, maci);
  }

  static MaciRole parseRole(String value, String where) {
    return MaciRole.parse(value).orElseThrow(() -> new IllegalArgumentException(
        "Invalid MACI role '" + value + "' in " + where + " (expected executive, legislative or judicial)"));
  }

  /**
   * Impact scoring (inventory 3.1).
   *
   * @param maxTrackedAgents bound on the per-agent volume and drift state kept in memory
   * @param hourZone the zone whose local hour decides the night-time (1-5 AM) context bonus
   */
  public record Impact(ImpactWeights weights, long maxTrackedAgents, ZoneId hourZone) {
    public Impact {
      Objects.requireNonNull(weights, "weights");
      Objects.requireNonNull(hourZone, "hourZone");
      if (maxTrackedAgents <= 0) {
        throw new IllegalArgumentException("max-tracked-agents must be positive, got " + maxTrackedAgents);
      }
    }

    public static Impact defaults() {
      return new Impact(ImpactWeights.defaults(), 100_000, ZoneId.of("UTC"));
    }
  }

  /** Feature weights; the score is normalised by their sum, so they need not add up to 1. */
  public record ImpactWeights(
      double semantic, double permission, double volume, double context, double drift, double priority,
      double type) {

    public ImpactWeights {
      for (double v : new double[] {semantic, permission, volume, context, drift, priority, type}) {
        if (!(v >= 0.0) || Double.isInfinite(v)) {
          throw new IllegalArgumentException("impact weights must be finite and >= 0, got " + v);
        }
      }
      if (semantic + permission + volume + context + drift + priority + type <= 0.0) {
        throw new IllegalArgumentException("at least one impact weight must be positive");
      }
    }

    public static ImpactWeights defaults() {
      return new ImpactWeights(0.30, 0.20, 0.10, 0.10, 0.15, 0.10, 0.05);
    }

    public double sum() {
      return semantic + permission + volume + context + drift + priority + type;
    }
  }

  /**
   * MACI role separation.
   *
   * @param defaultRole the role the registration layer gives an agent registered without one; may be
   *     null. The pipeline never applies it (an agent's role is its profile's, else {@code assignedRoles})
   * @param assignedRoles roles from the MACI config file or environment, by agent id
   * @param capabilities capabilities from the MACI config, by agent id (for registration, not checked here)
   */
  public record Maci(
      boolean enabled,
      boolean strict,
      MaciRole defaultRole,
      Map<String, MaciRole> assignedRoles,
      Map<String, List<String>> capabilities) {

    public Maci {
      assignedRoles = assignedRoles == null ? Map.of() : Map.copyOf(assignedRoles);
      Map<String, List<String>> caps = new HashMap<>();
      if (capabilities != null) {
        for (Map.Entry<String, List<String>> e : capabilities.entrySet()) {
          caps.put(e.getKey(), List.copyOf(e.getValue()));
        }
      }
      capabilities = Map.copyOf(caps);
    }

    /** Enabled and strict, default role executive, no assigned roles. */
    public static Maci defaults() {
      return new Maci(true, true, MaciRole.EXECUTIVE, Map.of(), Map.of());
    }

    public Maci withEnabled(boolean on) {
      return new Maci(on, strict, defaultRole, assignedRoles, capabilities);
    }

    public Maci withStrict(boolean on) {
      return new Maci(enabled, on, defaultRole, assignedRoles, capabilities);
    }

    public Maci withAssignedRoles(Map<String, MaciRole> roles) {
      return new Maci(enabled, strict, defaultRole, roles, capabilities);
    }

    /** Whatever the loaded config says overrides these values; its roles are added (and win). */
    public Maci withConfig(MaciConfigLoader.MaciConfig config) {
      Map<String, MaciRole> roles = new HashMap<>(assignedRoles);
      roles.putAll(config.roles());
      Map<String, List<String>> caps = new HashMap<>(capabilities);
      caps.putAll(config.capabilities());
      return new Maci(
          enabled,
          config.strictMode() != null ? config.strictMode() : strict,
          config.defaultRole() != null ? config.defaultRole() : defaultRole,
          roles,
          caps);
    }
  }
}
