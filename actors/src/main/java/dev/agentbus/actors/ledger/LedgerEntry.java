package dev.agentbus.actors.ledger;

import dev.agentbus.actors.CborSerializable;
import dev.agentbus.actors.chain.ChainedRecord;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import java.time.Instant;
import java.util.List;

/**
 * One governed message as the ledger records it: accepted (and so delivered), rejected with its
 * reasons, or held for deliberation. Each entry is a link of its partition's hash chain.
 *
 * @param recipientId the agent this copy goes to (a broadcast writes one entry per recipient); for a
 *     rejected broadcast, the sender
 */
public record LedgerEntry(
    AgentMessage message,
    String recipientId,
    MessageStatus status,
    List<Reason> reasons,
    double impactScore,
    Instant recordedAt,
    String prevHash,
    String hash)
    implements CborSerializable, ChainedRecord {

  public LedgerEntry {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }

  public static LedgerEntry unlinked(
      AgentMessage message, String recipientId, MessageStatus status, List<Reason> reasons,
      double impactScore, Instant recordedAt) {
    return new LedgerEntry(message, recipientId, status, reasons, impactScore, recordedAt, null, null);
  }

  /** What the hash covers. */
  public record Content(
      AgentMessage message, String recipientId, MessageStatus status, List<Reason> reasons,
      double impactScore, Instant recordedAt) {}

  @Override
  public Object content() {
    return new Content(message, recipientId, status, reasons, impactScore, recordedAt);
  }

  public LedgerEntry linked(String prev, String ownHash) {
    return new LedgerEntry(message, recipientId, status, reasons, impactScore, recordedAt, prev, ownHash);
  }

  /** De-duplication keys: the message id per recipient, and the sender's idempotency key if any. */
  public List<String> dedupKeys() {
    if (message.id() == null) return List.of(); // a rejection of a message without id: nothing to match
    String byId = "m:" + message.id() + ":" + recipientId;
    if (message.idempotencyKey() == null || message.idempotencyKey().isBlank()) return List.of(byId);
    String byKey = "k:" + message.tenantId() + ":" + message.sourceAgentId() + ":" + message.idempotencyKey()
        + ":" + recipientId;
    return List.of(byId, byKey);
  }
}
