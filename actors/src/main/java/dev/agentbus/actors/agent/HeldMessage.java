package dev.agentbus.actors.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.ledger.LedgerEntry;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.UUID;

/**
 * A message as an inbox keeps it in memory: encoded once into one byte array, plus the few fields reads
 * filter on. An inbox holds every unacknowledged message, so under load almost every message lives
 * until it is acknowledged; kept as an object graph (payload tree, strings, instants) each one was tens of
 * objects that every young collection copied again, and several times the bytes.
 *
 * @param acknowledged how the node's {@link InboxBudget} counts it (acknowledged ones go first)
 * @param recipientSeq its number among the recipient's messages (see {@link LedgerEntry})
 * @param position where its partition holds it
 */
record HeldMessage(
    UUID id, MessageType type, Instant timestamp, Instant expiresAt, Instant recordedAt, byte[] encoded,
    boolean acknowledged, long recipientSeq, long position) {

  static HeldMessage of(LedgerEntry entry, ObjectMapper mapper, boolean acknowledged) {
    AgentMessage m = entry.message();
    try {
      return new HeldMessage(m.id(), m.type(), m.timestamp(), m.expiresAt(), entry.recordedAt(),
          mapper.writeValueAsBytes(m), acknowledged, entry.recipientSeq(), entry.position());
    } catch (IOException e) {
      throw new UncheckedIOException("inbox could not encode message " + m.id(), e);
    }
  }

  HeldMessage asAcknowledged() {
    return new HeldMessage(id, type, timestamp, expiresAt, recordedAt, encoded, true, recipientSeq, position);
  }

  boolean isExpiredAt(Instant now) {
    return expiresAt != null && !expiresAt.isAfter(now);
  }

  InboxItem item(MessageStatus status, ObjectMapper mapper) {
    try {
      return new InboxItem(mapper.readValue(encoded, AgentMessage.class), status, recordedAt);
    } catch (IOException e) {
      throw new UncheckedIOException("inbox could not decode message " + id, e);
    }
  }
}
