package dev.agentbus.node;

import org.apache.pekko.actor.typed.ActorSystem;

/** The node's edge services on top of the bus (the HTTP API). */
final class NodeServices {
  private NodeServices() {}

  static void start(ActorSystem<?> system) {
    // The HTTP API is wired here once it exists.
  }
}
