package dev.agentbus.actors.bus;

import dev.agentbus.actors.model.MaciRole;
import java.util.List;
import java.util.Map;

/**
 * A request to register an agent.
 *
 * @param agentId null to let the bus assign a UUID
 * @param maciRole null for the configured default role (executive unless configured otherwise)
 */
public record Registration(
    String agentId, String name, String type, String tenantId, MaciRole maciRole, List<String> capabilities,
    Map<String, String> metadata) {

  public Registration {
    capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}
