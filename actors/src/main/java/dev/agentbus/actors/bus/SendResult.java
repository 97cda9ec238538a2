package dev.agentbus.actors.bus;

import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import java.util.List;

/**
 * The outcome of one send: never an exception, always a status with reasons.
 *
 * @param message the message as stored (for a broadcast, without a target)
 * @param status accepted, pending_deliberation or rejected
 * @param recipients how many inboxes it goes to (0 unless accepted)
 * @param duplicate true when the id or idempotency key was seen before: this is the first result
 * @param durable false only when the ledger could not be reached: nothing was recorded or delivered
 * @param bundleDigest the digest of the constitution bundle that took part in the decision, or null
 */
public record SendResult(
    AgentMessage message,
    MessageStatus status,
    List<Reason> reasons,
    double impactScore,
    int recipients,
    boolean duplicate,
    boolean durable,
    String bundleDigest) {

  public SendResult {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }

  /** A result decided without a constitution bundle. */
  public SendResult(AgentMessage message, MessageStatus status, List<Reason> reasons, double impactScore,
      int recipients, boolean duplicate, boolean durable) {
    this(message, status, reasons, impactScore, recipients, duplicate, durable, null);
  }

  public SendResult withBundleDigest(String digest) {
    return new SendResult(message, status, reasons, impactScore, recipients, duplicate, durable, digest);
  }

  public boolean accepted() {
    return status == MessageStatus.ACCEPTED;
  }

  public String reasonCodes() {
    return String.join(",", reasons.stream().map(Reason::code).toList());
  }
}
