package dev.agentbus.actors.approval;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code agentbus.approvals} block of the configuration.
 *
 * @param requiredApprovers approvals a request needs when its creator names no number (at least 1)
 * @param maxRequiredApprovers the most approvals a creator may ask for
 * @param heldRequiredApprovers human approvals that settle a held message (a rejection settles it at once)
 * @param timeout how long a request created through the API waits before it expires
 * @param escalationStep the time-out of each escalation level: a request still open after k steps is at level k+1
 * @param maxEscalationLevel the highest level (level 1 is where every request starts)
 * @param autoEscalate whether the time-outs escalate on their own (else only an explicit escalate does)
 * @param heldRetry how often a decided held message's outcome is re-sent until its deliberation confirms it
 * @param indexMaxEntries requests listed per tenant; beyond it the oldest drop out of lists (still gettable by id)
 * @param indexSnapshotEvery the per-tenant index snapshots every this many events
 * @param maxPayloadBytes the largest payload (as JSON) a request may carry
 */
public record ApprovalSettings(
    int requiredApprovers,
    int maxRequiredApprovers,
    int heldRequiredApprovers,
    Duration timeout,
    Duration escalationStep,
    int maxEscalationLevel,
    boolean autoEscalate,
    Duration heldRetry,
    int indexMaxEntries,
    int indexSnapshotEvery,
    int maxPayloadBytes) {

  public ApprovalSettings {
    if (requiredApprovers < 1 || heldRequiredApprovers < 1) {
      throw new IllegalArgumentException("required approvers must be at least 1");
    }
    if (maxRequiredApprovers < requiredApprovers) {
      throw new IllegalArgumentException("max-required-approvers must be at least required-approvers");
    }
    requirePositive(timeout, "timeout");
    requirePositive(escalationStep, "escalation.step");
    requirePositive(heldRetry, "held-retry");
    if (maxEscalationLevel < 1) throw new IllegalArgumentException("escalation.max-level must be at least 1");
    if (indexMaxEntries < 1) throw new IllegalArgumentException("index-max-entries must be at least 1");
    if (indexSnapshotEvery < 1) throw new IllegalArgumentException("index-snapshot-every must be at least 1");
    if (maxPayloadBytes < 2) throw new IllegalArgumentException("max-payload-bytes must be at least 2");
  }

  /** The values of this module's reference.conf. */
  public static ApprovalSettings defaults() {
    return new ApprovalSettings(2, 10, 2, Duration.ofHours(24), Duration.ofHours(4), 4, true,
        Duration.ofSeconds(5), 1000, 100, 64 * 1024);
  }

  public static ApprovalSettings fromConfig(Config block) {
    return new ApprovalSettings(
        block.getInt("required-approvers"),
        block.getInt("max-required-approvers"),
        block.getInt("held-required-approvers"),
        block.getDuration("timeout"),
        block.getDuration("escalation.step"),
        block.getInt("escalation.max-level"),
        block.getBoolean("escalation.auto"),
        block.getDuration("held-retry"),
        block.getInt("index-max-entries"),
        block.getInt("index-snapshot-every"),
        block.getInt("max-payload-bytes"));
  }

  private static void requirePositive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive");
  }
}
