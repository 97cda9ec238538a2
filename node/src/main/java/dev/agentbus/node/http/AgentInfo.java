package dev.agentbus.node.http;

import dev.agentbus.actors.model.AgentProfile;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An agent on the wire (contract section 3, AgentInfo). Python validates every field, so all of them are
 * always present ({@code metadata} as {@code {}} when empty). {@code maciRole}, {@code tenantId} and
 * {@code registeredAt} are extras, omitted when absent; the SDKs ignore them.
 */
record AgentInfo(
    String id,
    String name,
    String type,
    String status,
    List<String> capabilities,
    Map<String, String> metadata,
    Instant lastSeen,
    String constitutionalHash,
    String maciRole,
    String tenantId,
    Instant registeredAt) {

  static AgentInfo of(AgentProfile p) {
    Instant lastSeen = p.lastSeen() != null ? p.lastSeen() : p.registeredAt();
    return new AgentInfo(
        p.id(),
        p.name() == null ? "" : p.name(),
        p.type() == null ? "" : p.type(),
        p.status().wire(),
        p.capabilities(),
        p.metadata(),
        lastSeen == null ? Instant.EPOCH : lastSeen,
        Responses.CONSTITUTIONAL_HASH,
        p.maciRole() == null ? null : p.maciRole().wire(),
        p.tenantId(),
        p.registeredAt());
  }
}
