package dev.agentbus.actors.agent;

import dev.agentbus.actors.model.AgentProfile;

/** Where an agent entity announces its profile so that every node can route and check. */
public interface DirectoryPublisher {
  void publish(AgentProfile profile);

  void withdraw(String agentId);
}
