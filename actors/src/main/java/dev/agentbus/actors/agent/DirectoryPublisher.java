package dev.agentbus.actors.agent;

import dev.agentbus.actors.model.AgentProfile;

/** Where an agent entity announces its profile so that every node can route and check. */
public interface DirectoryPublisher {
  void publish(AgentProfile profile);

  void withdraw(String agentId);

  static DirectoryPublisher none() {
    return NoDirectory.INSTANCE;
  }

  enum NoDirectory implements DirectoryPublisher {
    INSTANCE;

    @Override
    public void publish(AgentProfile profile) {}

    @Override
    public void withdraw(String agentId) {}
  }
}
