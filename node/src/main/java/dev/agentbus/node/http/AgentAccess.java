package dev.agentbus.node.http;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.Tenants;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Who may act on an agent's path: the agent must exist (404) and belong to the caller's tenant (403
 * {@code tenant_mismatch}). The local directory view answers without an ask; the agent entity is asked
 * only when the view does not know the agent yet.
 */
final class AgentAccess {
  private final AgentBus bus;

  AgentAccess(AgentBus bus) {
    this.bus = bus;
  }

  CompletionStage<AgentProfile> authorize(Caller caller, String agentId) {
    return exists(agentId).thenApply(p -> checkTenant(caller, p));
  }

  /** The agent exists, whatever its tenant. */
  CompletionStage<AgentProfile> exists(String agentId) {
    checkAgentId(agentId);
    Optional<AgentProfile> known = bus.directory().find(agentId);
    return known.isPresent() ? CompletableFuture.completedFuture(known.get()) : bus.profile(agentId);
  }

  /** The authoritative profile (from the agent entity), for answers that show it. */
  CompletionStage<AgentProfile> fresh(Caller caller, String agentId) {
    checkAgentId(agentId);
    return bus.profile(agentId).thenApply(p -> checkTenant(caller, p));
  }

  static AgentProfile checkTenant(Caller caller, AgentProfile p) {
    if (!AgentMessage.sameTenant(caller.tenantId(), p.tenantId())) {
      throw ApiError.of(403, "tenant_mismatch", "Agent '" + p.id() + "' does not belong to tenant '"
          + Tenants.display(caller.tenantId()) + "'", null);
    }
    return p;
  }

  static void checkAgentId(String agentId) {
    if (agentId == null || agentId.isBlank() || agentId.length() > RegisterRequest.MAX_ID_LENGTH
        || agentId.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.badRequest("invalid_agent_id", "Agent id must be 1 to " + RegisterRequest.MAX_ID_LENGTH
          + " printable characters");
    }
  }
}
