package dev.agentbus.actors.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** Test messages with the right constitutional hash unless a test says otherwise. */
public final class Messages {
  public static final String HASH = "cdd01ef066bc6cf2";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Messages() {}

  public static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  public static AgentMessage query(String from, String to, String tenant) {
    return message(MessageType.QUERY, from, to, tenant, "{\"query\":\"status\"}");
  }

  public static AgentMessage message(MessageType type, String from, String to, String tenant, String payload) {
    return new AgentMessage(UUID.randomUUID(), type, Priority.NORMAL, from, to, tenant, json(payload), null, null,
        HASH, Instant.parse("2026-01-15T12:00:00Z"), null, null, Map.of());
  }
}
