package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The body of {@code POST /api/v1/agents/{id}/messages} (the sender's path), turned into the bus's
 * {@link AgentMessage}. Only what the wire cannot express is refused here (types, enums, the sender,
 * UUIDs, string metadata); everything about the message's content (hash, payload size, injection,
 * tenant, MACI) is left to the governance pipeline, so its reason codes reach the client unchanged.
 */
final class SendRequest {
  private SendRequest() {}

  /** The prefix of the metadata the server adds to an answer; clients may not forge it. */
  static final String GOVERNANCE_PREFIX = "governance.";

  static final String MESSAGE_TYPES = Arrays.stream(MessageType.values()).map(MessageType::wire)
      .collect(Collectors.joining(", "));
  static final String PRIORITIES = "critical, high, normal (or medium), low";

  static AgentMessage parse(ObjectNode body, String pathAgentId, Caller caller, UUID id, Instant now) {
    Fields f = new Fields(body);
    MessageType type = f.requiredEnum("type", MessageType::parse, MESSAGE_TYPES);
    Priority priority = f.optionalEnum("priority", Priority::parse, PRIORITIES);
    String source = f.requiredString("sourceAgentId", RegisterRequest.MAX_ID_LENGTH);
    if (source != null && !source.equals(pathAgentId)) {
      f.fail("sourceAgentId", "must be the agent id of the path (messages are sent on the sender's path)");
    }
    String target = f.optionalString("targetAgentId", RegisterRequest.MAX_ID_LENGTH);
    JsonNode payload = payload(f);
    Instant timestamp = f.optionalInstant("timestamp");
    String correlationId = f.optionalString("correlationId", 64);
    if (correlationId != null && !Responses.isUuid(correlationId)) {
      // every SDK reader validates it as a UUID: relaying anything else would break them all
      f.fail("correlationId", "must be a UUID");
    }
    Map<String, String> metadata = f.stringMap("metadata", 64, 1024);
    for (String key : metadata.keySet()) {
      if (key.toLowerCase(Locale.ROOT).startsWith(GOVERNANCE_PREFIX)) {
        f.fail("metadata." + key, "keys starting with '" + GOVERNANCE_PREFIX + "' are set by the bus");
      }
    }
    String hash = null;
    Optional<JsonNode> hashNode = f.node("constitutionalHash");
    if (hashNode.isPresent()) {
      if (hashNode.get().isTextual()) hash = hashNode.get().textValue();
      else f.fail("constitutionalHash", "must be a string");
    }
    Instant expiresAt = f.optionalInstant("expiresAt");
    String idempotencyKey = f.optionalString("idempotencyKey", 256);
    String conversationId = f.optionalString("conversationId", 128);
    f.check();
    return new AgentMessage(id, type, priority, source, target, caller.tenantId(), payload, conversationId,
        correlationId, hash, timestamp != null ? timestamp : now, expiresAt, idempotencyKey, metadata);
  }

  /** An object as given; a plain string becomes {@code {"text": s}}; anything else is refused. */
  private static JsonNode payload(Fields f) {
    Optional<JsonNode> n = f.node("payload");
    if (n.isEmpty()) {
      f.fail("payload", "is required");
      return null;
    }
    if (n.get().isObject()) return n.get();
    if (n.get().isTextual()) {
      ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
      wrapped.put("text", n.get().textValue());
      return wrapped;
    }
    f.fail("payload", "must be a JSON object (a string is taken as {\"text\": ...})");
    return null;
  }
}
