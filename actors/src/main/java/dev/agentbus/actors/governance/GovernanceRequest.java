package dev.agentbus.actors.governance;

import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;

/**
 * The inputs of one decision.
 *
 * @param sender the sender's profile, null when the sender is not registered
 * @param recipient the recipient's profile, null for a broadcast or an unregistered target
 * @param registryEmpty true when no agent at all is registered (the original's MACI rule for targets)
 */
public record GovernanceRequest(
    AgentMessage message, AgentProfile sender, AgentProfile recipient, boolean registryEmpty) {

  public static GovernanceRequest of(AgentMessage message, AgentProfile sender, AgentProfile recipient) {
    return new GovernanceRequest(message, sender, recipient, false);
  }
}
