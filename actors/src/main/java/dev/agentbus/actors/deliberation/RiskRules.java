package dev.agentbus.actors.deliberation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The risk rules of inventory 3.5, applied to the impact score of a held message (the only risk
 * measure the bus has; the original's guard formula never reached its own thresholds from the bus, W10):
 * at or above {@code signaturesAt} every role of {@code signatureRoles} must sign; at or above
 * {@code criticReviewAt} a voter with {@code criticRole} must also approve. See {@link Requirement}.
 *
 * @param signatureRoles roles whose signatures are required; empty switches signatures off
 * @param criticRole role of the critic reviewers; blank switches the review off
 * @param reviewTimeout a critic review without consensus this long after the deliberation opened escalates to
 *     the human approvers; null: only the deliberation's deadline applies
 */
public record RiskRules(
    double signaturesAt, List<String> signatureRoles, double criticReviewAt, String criticRole,
    Duration reviewTimeout) {

  public RiskRules {
    if (reviewTimeout != null && (reviewTimeout.isNegative() || reviewTimeout.isZero())) {
      throw new IllegalArgumentException("risk.review-timeout must be positive");
    }
    signatureRoles = List.copyOf(new LinkedHashSet<>(signatureRoles));
    criticRole = criticRole == null ? "" : criticRole.trim();
    for (double t : new double[] {signaturesAt, criticReviewAt}) {
      if (Double.isNaN(t)) throw new IllegalArgumentException("risk thresholds must be numbers");
    }
  }

  /** Rules without a review timeout of their own (the deliberation's deadline applies). */
  public RiskRules(double signaturesAt, List<String> signatureRoles, double criticReviewAt, String criticRole) {
    this(signaturesAt, signatureRoles, criticReviewAt, criticRole, null);
  }

  /**
   * The original's thresholds and signers (signatures at 0.8 from supervisor and compliance, a critic review at
   * 0.95) and this module's reference.conf review timeout.
   */
  public static RiskRules defaults() {
    return new RiskRules(0.8, List.of("supervisor", "compliance"), 0.95, "critic", Duration.ofSeconds(150));
  }

  /** No extra requirements at any risk. */
  public static RiskRules none() {
    return new RiskRules(Double.POSITIVE_INFINITY, List.of(), Double.POSITIVE_INFINITY, "");
  }

  public List<Requirement> requirementsFor(double risk) {
    List<Requirement> out = new ArrayList<>();
    if (risk >= signaturesAt) signatureRoles.forEach(r -> out.add(Requirement.signature(r)));
    if (risk >= criticReviewAt && !criticRole.isEmpty()) out.add(Requirement.criticReview(criticRole));
    return out;
  }

  /** Every role a requirement may name: the roles worth recording for each voter. */
  public List<String> roleNames() {
    LinkedHashSet<String> all = new LinkedHashSet<>(signatureRoles);
    if (!criticRole.isEmpty()) all.add(criticRole);
    return List.copyOf(all);
  }
}
