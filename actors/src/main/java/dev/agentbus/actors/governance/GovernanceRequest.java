package dev.agentbus.actors.governance;

import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;

/**
 * The inputs of one decision.
 *
 * @param payloadJson the payload's JSON text exactly as {@code writeValueAsString} writes it, when the
 *     pipeline's structure step already wrote it (so a policy step need not again); null otherwise
 * @param sender the sender's profile, null when the sender is not registered
 * @param recipient the recipient's profile, null for a broadcast or an unregistered target
 * @param registryEmpty true when no agent at all is registered (the original's MACI rule for targets)
 */
public record GovernanceRequest(
    AgentMessage message, AgentProfile sender, AgentProfile recipient, boolean registryEmpty, String payloadJson) {

  public GovernanceRequest(AgentMessage message, AgentProfile sender, AgentProfile recipient, boolean registryEmpty) {
    this(message, sender, recipient, registryEmpty, null);
  }

  public GovernanceRequest withPayloadJson(String json) {
    return new GovernanceRequest(message, sender, recipient, registryEmpty, json);
  }

  public static GovernanceRequest of(AgentMessage message, AgentProfile sender, AgentProfile recipient) {
    return new GovernanceRequest(message, sender, recipient, false);
  }
}
