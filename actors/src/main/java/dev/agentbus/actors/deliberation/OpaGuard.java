package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.Reason;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The guard of inventory 3.5 (case 28), decided once for each held message before its deliberation opens:
 * the policy denies, or the guard itself fails, and the message is denied (fail closed); otherwise the risk
 * picks the extra requirements: a critic review (with signatures) at {@link RiskRules#criticReviewAt}, signatures
 * of the named roles at {@link RiskRules#signaturesAt}, nothing below. Plain Java, no Pekko.
 *
 * <p>The policy is the one the pipeline already evaluated for the message ({@link #policyOf}): this guard does
 * not call a policy engine of its own.
 */
public interface OpaGuard {

  String POLICY_DENIED = "guard_policy_denied";
  String GUARD_ERROR = "guard_error";
  String REQUIRES_REVIEW = "guard_requires_review";
  String REQUIRES_SIGNATURES = "guard_requires_signatures";

  enum Verdict {
    ALLOW,
    DENY,
    REQUIRE_SIGNATURES,
    REQUIRE_REVIEW;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Verdict fromJson(String value) {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  /**
   * What the guard decided.
   *
   * @param reasons why (empty for a plain allow)
   * @param requirements what votes must meet before they may approve (empty unless signatures or a review)
   */
  record Result(Verdict verdict, List<Reason> reasons, List<Requirement> requirements) {
    public Result {
      Objects.requireNonNull(verdict, "verdict");
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
      requirements = requirements == null ? List.of() : List.copyOf(requirements);
    }

    public boolean denied() {
      return verdict == Verdict.DENY;
    }
  }

  /** The policy's answer for the held message: empty when it allows, the reason when it denies. May throw. */
  @FunctionalInterface
  interface Policy {
    Optional<Reason> denial() throws Exception;
  }

  /** Never throws: an error anywhere in the evaluation is a {@link Verdict#DENY} ({@link #GUARD_ERROR}). */
  Result verify(Policy policy, double risk);

  static OpaGuard create(RiskRules rules) {
    Objects.requireNonNull(rules, "rules");
    return (policy, risk) -> {
      try {
        Optional<Reason> denial = policy.denial();
        if (denial.isPresent()) {
          Reason d = denial.get();
          return new Result(Verdict.DENY, List.of(new Reason(POLICY_DENIED, "the policy denies the message: "
              + d.code() + (d.message() == null || d.message().isBlank() ? "" : " (" + d.message() + ")"))), List.of());
        }
        if (Double.isNaN(risk)) throw new IllegalArgumentException("the risk is not a number");
        if (risk >= rules.criticReviewAt()) {
          return new Result(Verdict.REQUIRE_REVIEW, List.of(new Reason(REQUIRES_REVIEW, "risk " + risk
              + " reaches " + rules.criticReviewAt() + ": a critic review and signatures are required")),
              rules.requirementsFor(risk));
        }
        if (risk >= rules.signaturesAt()) {
          return new Result(Verdict.REQUIRE_SIGNATURES, List.of(new Reason(REQUIRES_SIGNATURES, "risk " + risk
              + " reaches " + rules.signaturesAt() + ": signatures of " + rules.signatureRoles() + " are required")),
              rules.requirementsFor(risk));
        }
        return new Result(Verdict.ALLOW, List.of(), List.of());
      } catch (Exception | StackOverflowError e) {
        // fail closed; the exception text stays out of the reason, which goes back to the sender
        return new Result(Verdict.DENY, List.of(new Reason(GUARD_ERROR,
            "the guard could not evaluate the message (" + e.getClass().getSimpleName() + "); it is denied")),
            List.of());
      }
    };
  }

  /** The pipeline's decision as the guard's policy: a DENY outcome denies with its first reason. */
  static Policy policyOf(Decision decision) {
    Objects.requireNonNull(decision, "decision");
    return () -> decision.outcome() == Decision.Outcome.DENY
        ? Optional.of(decision.reasons().isEmpty() ? new Reason("policy_denied", "") : decision.reasons().get(0))
        : Optional.empty();
  }
}
