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
 * @param position the partition's sequence number of the batch event that holds the entry (0 before it is
 *     written)
 * @param recipientSeq for an accepted entry with a recipient: 1 for the first such entry of that recipient in
 *     its partition, 2 for the next, with no gaps, so that an inbox can tell which of its messages it has seen
 *     and where its rebuild may start; 0 otherwise (and in entries written before it existed). Neither number
 *     is in the hashed content: the position is in the chain's link already (see {@link
 *     dev.agentbus.actors.chain.HashChain#link}), and the count follows from the chain's order.
 */
public record LedgerEntry(
    AgentMessage message,
    String recipientId,
    MessageStatus status,
    List<Reason> reasons,
    double impactScore,
    Instant recordedAt,
    String prevHash,
    String hash,
    long position,
    long recipientSeq)
    implements CborSerializable, ChainedRecord {

  public LedgerEntry {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }

  public static LedgerEntry unlinked(
      AgentMessage message, String recipientId, MessageStatus status, List<Reason> reasons,
      double impactScore, Instant recordedAt) {
    return new LedgerEntry(message, recipientId, status, reasons, impactScore, recordedAt, null, null, 0, 0);
  }

  /** What the hash covers. */
  public record Content(
      AgentMessage message, String recipientId, MessageStatus status, List<Reason> reasons,
      double impactScore, Instant recordedAt) {}

  @Override
  public Object content() {
    return new Content(message, recipientId, status, reasons, impactScore, recordedAt);
  }

  /** This entry as written: linked into the chain, at its place in the partition. */
  public LedgerEntry linked(String prev, String ownHash, long atPosition, long atRecipientSeq) {
    return new LedgerEntry(message, recipientId, status, reasons, impactScore, recordedAt, prev, ownHash, atPosition,
        atRecipientSeq);
  }

  /** Whether the entry is a message handed to a recipient's inbox (and so numbered for it). */
  public boolean delivered() {
    return status == MessageStatus.ACCEPTED && !recipientId.isEmpty();
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
