package dev.agentbus.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.persistence.Database;
import dev.agentbus.persistence.H2Compaction;
import dev.agentbus.persistence.SchemaMigrations;
import dev.agentbus.persistence.StoredLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node: schema migrations, the actor system, the cluster (alone when no seed nodes are
 * configured), the bus, Pekko Management ({@code /ready}, {@code /alive}, {@code /cluster/members}) and
 * the HTTP API. {@code main} only parses options; everything is wired here so tests can start nodes too.
 */
public final class BusNode {
  private static final Logger log = LoggerFactory.getLogger(BusNode.class);
  public static final String SYSTEM_NAME = "AgentBus";

  private BusNode() {}

  /**
   * The node configuration: {@code overrides}, then the given resource or file (default
   * {@code application.conf}), then the reference defaults.
   */
  public static Config loadConfig(String resourceOrFile, Map<String, Object> overrides) {
    Config base;
    if (resourceOrFile == null || resourceOrFile.isBlank()) {
      base = ConfigFactory.parseResources("application.conf");
    } else if (Files.isRegularFile(Path.of(resourceOrFile))) {
      base = ConfigFactory.parseFile(Path.of(resourceOrFile).toFile());
    } else {
      base = ConfigFactory.parseResourcesAnySyntax(resourceOrFile);
      if (base.isEmpty()) throw new IllegalArgumentException("no config resource or file named " + resourceOrFile);
    }
    return ConfigFactory.parseMap(overrides).withFallback(base);
  }

  /** The journal database this configuration asks for: PostgreSQL from the environment, else H2. */
  public static Database database(Config unresolved, Map<String, String> env, boolean inMemory) {
    Config c = unresolved.withFallback(ConfigFactory.defaultReference()).resolve();
    Path dataDir = Path.of(c.getString("agentbus.data-dir"));
    Database db = Database.select(env, dataDir, inMemory);
    if (db.kind() == Database.Kind.H2_FILE) {
      int writeDelay = c.getInt("agentbus.h2-write-delay-ms");
      if (writeDelay != 0) db = Database.h2File(dataDir, writeDelay);
      if (c.getBoolean("agentbus.h2-auto-server")) db = db.withAutoServer();
    }
    return db;
  }

  /** Migrates the schema, then starts the node on it. */
  public static ActorSystem<Void> start(Config unresolved, Database db) {
    if (db.kind() == Database.Kind.H2_FILE) {
      createDataDir(db);
    }
    Config config = ConfigFactory.load(db.toConfig().withFallback(unresolved));
    // before anything else opens the file: nothing is written meanwhile
    if (config.getBoolean("agentbus.h2-compaction.on-start")) {
      H2Compaction.compactIfLarger(db, config.getBytes("agentbus.h2-compaction.on-start-above"));
    }
    int applied = SchemaMigrations.migrate(db);
    if (applied > 0) log.info("Applied {} schema migration(s) to {}", applied, db.describe());
    StoredLayout.verifyPartitions(db, config.getInt("agentbus.ledger.partitions"));
    ActorSystem<Void> system = ActorSystem.create(guardian(), SYSTEM_NAME, config);
    PekkoManagement.get(system.classicSystem()).start();
    return system;
  }

  private static Behavior<Void> guardian() {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      if (ctx.getSystem().settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      AgentBus.get(ctx.getSystem());
      NodeServices.start(ctx.getSystem());
      return Behaviors.empty();
    });
  }

  private static void createDataDir(Database db) {
    try {
      Files.createDirectories(db.h2FilePath().getParent());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create the data directory: " + e.getMessage(), e);
    }
  }
}
