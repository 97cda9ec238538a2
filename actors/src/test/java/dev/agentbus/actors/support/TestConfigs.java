package dev.agentbus.actors.support;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.query.javadsl.PersistenceTestKitReadJournal;

/** Configurations for actor tests: in-memory journal, serialization of every message on. */
public final class TestConfigs {
  private TestConfigs() {}

  /** A one-node cluster on a free port with the persistence testkit's in-memory journal. */
  public static Config singleNodeCluster() {
    return ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical.hostname = 127.0.0.1\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                + "pekko.actor.serialize-messages = on\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.loglevel = WARNING\n"
                + "agentbus.read-journal-plugin-id = \"" + PersistenceTestKitReadJournal.Identifier() + "\"\n")
        .withFallback(PersistenceTestKitPlugin.getInstance().config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.load());
  }
}
