package dev.agentbus.node;

import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.node.http.HttpApi;
import dev.agentbus.node.http.HttpSettings;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node's edge services on top of the bus: the HTTP API (which unbinds itself on shutdown). */
final class NodeServices {
  private static final Logger log = LoggerFactory.getLogger(NodeServices.class);

  private NodeServices() {}

  static void start(ActorSystem<?> system) {
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config());
    HttpApi.start(system, AgentBus.get(system), settings).whenComplete((binding, error) -> {
      if (error != null) {
        log.error("HTTP API could not bind {}:{}: {}", settings.iface(), settings.port(), error.toString());
        system.terminate();
      } else {
        log.info("HTTP API listening on {}", binding.localAddress());
      }
    });
  }
}
