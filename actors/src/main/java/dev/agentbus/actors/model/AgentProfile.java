package dev.agentbus.actors.model;

import dev.agentbus.actors.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What every node knows about a registered agent: enough for routing and for the governance checks.
 *
 * @param maciRole null when the agent has no MACI role
 */
public record AgentProfile(
    String id,
    String name,
    String type,
    String tenantId,
    MaciRole maciRole,
    List<String> capabilities,
    Map<String, String> metadata,
    AgentStatus status,
    Instant registeredAt,
    Instant lastSeen)
    implements CborSerializable {

  public AgentProfile {
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    status = status == null ? AgentStatus.ACTIVE : status;
  }

  public boolean isActive() {
    return status == AgentStatus.ACTIVE;
  }

  public boolean hasAllCapabilities(List<String> required) {
    return capabilities.containsAll(required);
  }
}
