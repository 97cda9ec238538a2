package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.policy.PolicyRule.Effect;
import dev.agentbus.actors.policy.PolicyRule.Enforcement;
import dev.agentbus.actors.policy.PolicyRule.Severity;
import java.util.Optional;

/**
 * What one rule said about one message.
 *
 * @param error why the rule could not be evaluated, for the audit trail; null unless {@code result} is ERROR
 */
public record RuleVerdict(
    String ruleId, String description, Effect effect, Enforcement enforcement, Severity severity, Result result,
    String error) {

  /** Reason code prefix of an enforced {@code deny} rule that matched. */
  public static final String DENIED_PREFIX = "policy_denied:";
  /** Reason code prefix of an enforced rule that could not be evaluated (fail closed). */
  public static final String ERROR_PREFIX = "policy_error:";
  /** Reason code prefix of an enforced {@code require_deliberation} rule that matched. */
  public static final String DELIBERATION_PREFIX = "policy_deliberation:";

  public enum Result {
    /** The expression was false: the effect does not apply. */
    NOT_MATCHED,
    /** The expression was true: the effect applies. */
    MATCHED,
    /** The expression failed or did not give a bool. */
    ERROR
  }

  static RuleVerdict of(PolicyRule rule, Result result, String error) {
    return new RuleVerdict(rule.id(), rule.description(), rule.effect(), rule.enforcement(), rule.severity(),
        result, error);
  }

  public boolean matched() {
    return result == Result.MATCHED;
  }

  public boolean enforced() {
    return enforcement == Enforcement.DENY;
  }

  /** An enforced rule that denies: a matching {@code deny}, or any enforced rule that failed. */
  public boolean blocking() {
    return enforced() && (result == Result.ERROR || (matched() && effect == Effect.DENY));
  }

  /** An enforced {@code require_deliberation} rule that matched. */
  public boolean holdsForDeliberation() {
    return enforced() && matched() && effect == Effect.REQUIRE_DELIBERATION;
  }

  /**
   * A {@code dryrun} or {@code warn} rule that would have denied or held the message, or that failed:
   * what Gatekeeper records without blocking.
   */
  public boolean wouldHaveActed() {
    return !enforced() && (result == Result.ERROR || (matched() && effect != Effect.ALLOW));
  }

  /** The denial reason when {@link #blocking()}, the deliberation reason when held, else empty. */
  public Optional<Reason> reason() {
    if (blocking()) {
      if (result == Result.ERROR) {
        // the evaluator's text stays in the audit trail (error), not in what goes back to the sender
        return Optional.of(new Reason(ERROR_PREFIX + ruleId,
            "Policy rule '" + ruleId + "' could not be evaluated; message refused"));
      }
      return Optional.of(new Reason(DENIED_PREFIX + ruleId, text()));
    }
    if (holdsForDeliberation()) return Optional.of(new Reason(DELIBERATION_PREFIX + ruleId, text()));
    return Optional.empty();
  }

  private String text() {
    return description == null || description.isBlank() ? "Policy rule '" + ruleId + "'" : description;
  }
}
