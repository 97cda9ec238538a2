package dev.agentbus.actors.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The decision rules of an approval request (inventory 3.4, case 27), plain Java:
 *
 * <ul>
 *   <li>who may decide: not the requester (no self-approval), once per approver, and, when the request names
 *       roles, only a holder of at least one of them;
 *   <li>the outcome: one rejection rejects; approval needs {@code minApprovers} approvals and the required
 *       roles among the approvers (every one of them, or at least one);
 *   <li>escalation: a request still open after 1x, 2x, 3x the escalation step is at level 2, 3, 4 (capped).
 * </ul>
 */
public final class ApprovalRules {
  private ApprovalRules() {}

  /** One approver's decision with the roles the approver held when deciding. */
  public record Vote(String approverId, List<String> roles, boolean approved) {
    public Vote {
      roles = roles == null ? List.of() : List.copyOf(roles);
    }
  }

  public enum Outcome {
    PENDING,
    APPROVED,
    REJECTED
  }

  /** @param code an {@link ApprovalCodes} refusal code */
  public record Refusal(String code, String message) {}

  /** Why this approver may not decide now, or empty when it may. */
  public static Optional<Refusal> refusal(
      String requesterId, List<String> requiredRoles, List<Vote> votes, String approverId, List<String> approverRoles) {
    if (approverId.equals(requesterId)) {
      return Optional.of(new Refusal(ApprovalCodes.SELF_APPROVAL, "the requester may not decide on its own request"));
    }
    if (votes.stream().anyMatch(v -> v.approverId().equals(approverId))) {
      return Optional.of(new Refusal(ApprovalCodes.ALREADY_DECIDED, approverId + " has already decided on this request"));
    }
    if (!requiredRoles.isEmpty()
        && (approverRoles == null || requiredRoles.stream().noneMatch(approverRoles::contains))) {
      return Optional.of(new Refusal(ApprovalCodes.ROLE_REQUIRED,
          "deciding on this request needs one of the roles " + requiredRoles));
    }
    return Optional.empty();
  }

  public static Outcome outcome(int minApprovers, List<String> requiredRoles, boolean requireAllRoles, List<Vote> votes) {
    if (votes.stream().anyMatch(v -> !v.approved())) return Outcome.REJECTED;
    List<Vote> approvals = votes.stream().filter(Vote::approved).toList();
    if (approvals.size() < minApprovers) return Outcome.PENDING;
    return rolesMet(requiredRoles, requireAllRoles, approvals) ? Outcome.APPROVED : Outcome.PENDING;
  }

  /** The required roles among the approvers: all of them, or at least one (none required: met). */
  public static boolean rolesMet(List<String> requiredRoles, boolean requireAllRoles, List<Vote> approvals) {
    if (requiredRoles.isEmpty()) return true;
    java.util.function.Predicate<String> held = role -> approvals.stream().anyMatch(v -> v.roles().contains(role));
    return requireAllRoles ? requiredRoles.stream().allMatch(held) : requiredRoles.stream().anyMatch(held);
  }

  /** The level of a request still open at {@code now}: 1, then +1 after each full step, at most {@code maxLevel}. */
  public static int levelAt(Instant createdAt, Duration step, int maxLevel, Instant now) {
    if (!now.isAfter(createdAt)) return 1;
    long steps = Duration.between(createdAt, now).toMillis() / step.toMillis();
    return (int) Math.min(maxLevel, 1 + steps);
  }
}
