package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.model.AgentMessage;
import java.time.Instant;
import java.util.TreeMap;
import java.util.Map;

/**
 * A message on the wire (contract section 3, AgentMessage), in answers and in WebSocket frames. Optional
 * fields are omitted when absent. {@code status} (inbox answers) and {@code expiresAt} are extras the
 * SDKs strip. The tenant and idempotency key stay on the server.
 */
record MessageView(
    String id,
    String type,
    String priority,
    String sourceAgentId,
    String targetAgentId,
    JsonNode payload,
    Instant timestamp,
    String correlationId,
    String constitutionalHash,
    Map<String, String> metadata,
    Instant expiresAt,
    String status) {

  /** The message with extra metadata (e.g. the governance outcome) merged over its own. */
  static MessageView of(AgentMessage m, Map<String, String> extraMetadata, String status, Instant fallbackTime) {
    Map<String, String> metadata = new TreeMap<>(m.metadata());
    metadata.putAll(extraMetadata);
    return new MessageView(
        m.id() == null ? null : m.id().toString(),
        m.type() == null ? null : m.type().wire(),
        m.priority().wire(),
        m.sourceAgentId(),
        m.isBroadcast() ? null : m.targetAgentId(),
        m.payload(),
        m.timestamp() != null ? m.timestamp() : fallbackTime,
        // messages from other edges may carry any string; a non-UUID would break every SDK reader
        Responses.isUuid(m.correlationId()) ? m.correlationId() : null,
        Responses.CONSTITUTIONAL_HASH,
        metadata,
        m.expiresAt(),
        status);
  }

  /** An inbox entry: the message and whether it was acknowledged. */
  static MessageView of(InboxItem item) {
    return of(item.message(), Map.of(), item.status().wire(), item.recordedAt());
  }

  /** A WebSocket frame: the bare message, nothing the SDK schema does not know. */
  static MessageView frame(InboxItem item) {
    return of(item.message(), Map.of(), null, item.recordedAt());
  }
}
