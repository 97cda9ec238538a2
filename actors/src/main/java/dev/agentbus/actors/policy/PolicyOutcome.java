package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.Reason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Every rule's verdict on one message, in bundle order, and what they add up to: a denial wins over
 * everything; otherwise enforced {@code require_deliberation} matches ask for a deliberation; dryrun and
 * warn verdicts are only recorded.
 *
 * @param bundleDigest the digest of the bundle that decided, for the audit trail
 */
public record PolicyOutcome(String bundleId, String bundleVersion, String bundleDigest, List<RuleVerdict> verdicts) {

  public PolicyOutcome {
    verdicts = List.copyOf(verdicts);
  }

  /** The first blocking verdict's reason ({@code policy_denied:<id>} or {@code policy_error:<id>}). */
  public Optional<Reason> denial() {
    for (RuleVerdict v : verdicts) {
      if (v.blocking()) return v.reason();
    }
    return Optional.empty();
  }

  public boolean denied() {
    return denial().isPresent();
  }

  /** Reasons ({@code policy_deliberation:<id>}) of the enforced require_deliberation rules that matched. */
  public List<Reason> deliberationReasons() {
    List<Reason> out = null;
    for (RuleVerdict v : verdicts) {
      if (!v.holdsForDeliberation()) continue;
      if (out == null) out = new ArrayList<>();
      out.add(v.reason().orElseThrow());
    }
    return out == null ? List.of() : List.copyOf(out);
  }

  public boolean requiresDeliberation() {
    return !denied() && verdicts.stream().anyMatch(RuleVerdict::holdsForDeliberation);
  }

  /** The {@code warn} rules that would have denied, held or failed. */
  public List<RuleVerdict> warnings() {
    return select(v -> v.enforcement() == PolicyRule.Enforcement.WARN && v.wouldHaveActed());
  }

  /** The {@code dryrun} rules that would have denied, held or failed. */
  public List<RuleVerdict> dryRuns() {
    return select(v -> v.enforcement() == PolicyRule.Enforcement.DRYRUN && v.wouldHaveActed());
  }

  public Optional<RuleVerdict> verdict(String ruleId) {
    return verdicts.stream().filter(v -> v.ruleId().equals(ruleId)).findFirst();
  }

  /**
   * For {@code Decision.annotations}: {@code policy.bundle} (id@version), {@code policy.digest}, and when
   * not empty {@code policy.deliberate}, {@code policy.warn}, {@code policy.dryrun} (comma-separated ids).
   */
  public Map<String, String> annotations() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("policy.bundle", bundleId + "@" + bundleVersion);
    a.put("policy.digest", bundleDigest);
    // one pass: this runs for every decision
    StringBuilder deliberate = null;
    StringBuilder warn = null;
    StringBuilder dryrun = null;
    for (RuleVerdict v : verdicts) {
      if (v.holdsForDeliberation()) deliberate = append(deliberate, v.ruleId());
      if (v.wouldHaveActed()) {
        if (v.enforcement() == PolicyRule.Enforcement.WARN) warn = append(warn, v.ruleId());
        else if (v.enforcement() == PolicyRule.Enforcement.DRYRUN) dryrun = append(dryrun, v.ruleId());
      }
    }
    if (deliberate != null) a.put("policy.deliberate", deliberate.toString());
    if (warn != null) a.put("policy.warn", warn.toString());
    if (dryrun != null) a.put("policy.dryrun", dryrun.toString());
    return a;
  }

  private static StringBuilder append(StringBuilder ids, String id) {
    return ids == null ? new StringBuilder(id) : ids.append(',').append(id);
  }

  private List<RuleVerdict> select(Predicate<RuleVerdict> p) {
    return verdicts.stream().filter(p).toList();
  }

}
