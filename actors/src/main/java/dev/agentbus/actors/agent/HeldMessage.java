package dev.agentbus.actors.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 */
record HeldMessage(
    UUID id, MessageType type, Instant timestamp, Instant expiresAt, Instant recordedAt, byte[] encoded,
    boolean acknowledged) {

  static HeldMessage of(AgentMessage m, Instant recordedAt, ObjectMapper mapper, boolean acknowledged) {
    try {
      return new HeldMessage(m.id(), m.type(), m.timestamp(), m.expiresAt(), recordedAt, mapper.writeValueAsBytes(m),
          acknowledged);
    } catch (IOException e) {
      throw new UncheckedIOException("inbox could not encode message " + m.id(), e);
    }
  }

  HeldMessage asAcknowledged() {
    return new HeldMessage(id, type, timestamp, expiresAt, recordedAt, encoded, true);
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
