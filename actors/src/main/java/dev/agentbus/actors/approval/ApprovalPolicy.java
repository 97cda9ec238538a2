package dev.agentbus.actors.approval;

import dev.agentbus.actors.CborSerializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A multi-approver policy (inventory 3.4): which roles must approve, how many approvers, whether every
 * required role or at least one must be among the approvers, the time-out, the escalation step, and an
 * optional automatic approval below a risk. Plain Java.
 *
 * @param requiredRoles approver roles (the roles of an API key's principal); empty: anyone but the requester
 * @param minApprovers approvals needed, at least 1
 * @param requireAllRoles true: every required role among the approvers; false: at least one
 * @param autoApproveBelow a request whose risk (0..1) is below this is approved on creation; 0: never
 */
public record ApprovalPolicy(
    String name, List<String> requiredRoles, int minApprovers, boolean requireAllRoles, Duration timeout,
    Duration escalationStep, double autoApproveBelow) implements CborSerializable {

  public ApprovalPolicy {
    if (name == null || name.isBlank()) throw new IllegalArgumentException("a policy has a name");
    requiredRoles = requiredRoles == null ? List.of()
        : requiredRoles.stream().map(r -> r.trim().toLowerCase(Locale.ROOT)).distinct().toList();
    if (minApprovers < 1) throw new IllegalArgumentException(name + ": min-approvers must be at least 1");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(escalationStep, "escalationStep");
    if (timeout.isNegative() || timeout.isZero() || escalationStep.isNegative() || escalationStep.isZero()) {
      throw new IllegalArgumentException(name + ": timeout and escalation-step must be positive");
    }
    if (!(autoApproveBelow >= 0 && autoApproveBelow <= 1)) {
      throw new IllegalArgumentException(name + ": auto-approve-below must be between 0 and 1");
    }
  }

  /** True when a request of this risk (0..1) is approved without any approver. */
  public boolean autoApproves(double risk) {
    return risk < autoApproveBelow;
  }
}
