package dev.agentbus.actors.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.CborSerializable;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One message between agents, in the SDK's vocabulary. Fields that the governance pipeline checks
 * ({@code id}, {@code type}, {@code payload}, {@code sourceAgentId}) may be null here so that bad input
 * reaches the pipeline and is refused there with a reason code rather than an exception.
 *
 * @param targetAgentId null means broadcast to the sender's tenant
 * @param tenantId null or blank means "no tenant"
 * @param payload a JSON object (the governed content)
 * @param timestamp when the message was created (UTC)
 * @param expiresAt null means never
 * @param metadata string values only (SDK contract 1.9)
 */
public record AgentMessage(
    UUID id,
    MessageType type,
    Priority priority,
    String sourceAgentId,
    String targetAgentId,
    String tenantId,
    JsonNode payload,
    String conversationId,
    String correlationId,
    String constitutionalHash,
    Instant timestamp,
    Instant expiresAt,
    String idempotencyKey,
    Map<String, String> metadata)
    implements CborSerializable {

  public AgentMessage {
    priority = priority == null ? Priority.NORMAL : priority;
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }

  public boolean isBroadcast() {
    return targetAgentId == null || targetAgentId.isBlank();
  }

  public AgentMessage withId(UUID newId) {
    return new AgentMessage(newId, type, priority, sourceAgentId, targetAgentId, tenantId, payload, conversationId,
        correlationId, constitutionalHash, timestamp, expiresAt, idempotencyKey, metadata);
  }

  public AgentMessage withTarget(String target) {
    return new AgentMessage(id, type, priority, sourceAgentId, target, tenantId, payload, conversationId,
        correlationId, constitutionalHash, timestamp, expiresAt, idempotencyKey, metadata);
  }

  public AgentMessage withMetadata(Map<String, String> newMetadata) {
    return new AgentMessage(id, type, priority, sourceAgentId, targetAgentId, tenantId, payload,
        conversationId, correlationId, constitutionalHash, timestamp, expiresAt, idempotencyKey,
        newMetadata);
  }

  public boolean isExpiredAt(Instant now) {
    return expiresAt != null && !expiresAt.isAfter(now);
  }

  /** Same tenant, treating null and blank as "no tenant". */
  public static boolean sameTenant(String a, String b) {
    return Objects.equals(Tenants.normalize(a), Tenants.normalize(b));
  }
}
