package dev.agentbus.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** Actor systems on a real JDBC journal for persistence and cluster tests. */
public final class TestNodes {
  private TestNodes() {}

  public static Config config(Database db, int port, String extra) {
    return ConfigFactory.parseString(
            "pekko.remote.artery.canonical.port = " + port + "\n"
                + "pekko.management.http.port = 0\n"
                + "pekko.loglevel = WARNING\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.actor.serialize-messages = on\n"
                + extra)
        .withFallback(db.toConfig())
        .withFallback(ConfigFactory.parseResources("agentbus-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  public static ActorSystem<Void> start(Database db, int port, String extra) {
    SchemaMigrations.migrate(db);
    return ActorSystem.create(Behaviors.empty(), "AgentBus", config(db, port, extra));
  }
}
