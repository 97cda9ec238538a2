package dev.agentbus.node.bench;

import com.typesafe.config.Config;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.node.BusNode;
import dev.agentbus.persistence.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * A node started in this JVM the way {@code agentbus node} starts one ({@link BusNode#loadConfig},
 * {@link BusNode#database}, {@link BusNode#start}), on free ports (Artery, management and HTTP all 0), in
 * a fresh temporary data directory unless one is given, and with CoordinatedShutdown not exiting the JVM.
 */
final class BenchNode implements AutoCloseable {

  private final ActorSystem<Void> system;
  private final Database db;
  private final Path tempDir;

  private BenchNode(ActorSystem<Void> system, Database db, Path tempDir) {
    this.system = system;
    this.db = db;
    this.tempDir = tempDir;
  }

  static BenchNode start(BenchOptions o) throws IOException, InterruptedException {
    Path tempDir = null;
    Path dataDir = o.dataDir();
    if (dataDir == null) {
      tempDir = Files.createTempDirectory("agentbus-bench-");
      dataDir = tempDir;
    }
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("pekko.remote.artery.canonical.port", 0);
    overrides.put("pekko.management.http.port", 0);
    overrides.put("agentbus.http.port", 0);
    overrides.put("agentbus.data-dir", dataDir.toString());
    overrides.put("pekko.coordinated-shutdown.exit-jvm", "off");
    overrides.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
    overrides.put("pekko.loglevel", "WARNING");
    overrides.put("agentbus.governance.maci.enabled", o.maci() ? "on" : "off");
    // W7 in-process trusts X-Tenant-ID, as the API does with keys off; --set can turn keys back on
    overrides.put("agentbus.http.auth.enabled", "off");
    overrides.putAll(o.settings());
    Config unresolved = BusNode.loadConfig(null, overrides);
    Database db = database(o, unresolved);
    ActorSystem<Void> system = BusNode.start(unresolved, db);
    BenchNode node = new BenchNode(system, db, tempDir);
    try {
      node.awaitUp(Duration.ofSeconds(60));
    } catch (RuntimeException | InterruptedException e) {
      node.close();
      throw e;
    }
    return node;
  }

  private static Database database(BenchOptions o, Config unresolved) {
    return switch (o.db()) {
      case "h2-file" -> BusNode.database(unresolved, Map.of(), false);
      // a name of its own: several runs in one JVM (tests) must not share a journal
      case "h2-mem" -> Database.h2Memory("bench-" + UUID.randomUUID());
      default -> {
        if (!o.db().startsWith("jdbc:postgresql:")) {
          throw new IllegalArgumentException("--db must be h2-file, h2-mem or a jdbc:postgresql: URL");
        }
        Map<String, String> env = new HashMap<>();
        env.put("AGENTBUS_DB_URL", o.db());
        env.put("AGENTBUS_DB_USER", o.dbUser() == null ? "" : o.dbUser());
        env.put("AGENTBUS_DB_PASSWORD", o.dbPassword() == null ? "" : o.dbPassword());
        yield BusNode.database(unresolved, env, false);
      }
    };
  }

  private void awaitUp(Duration limit) throws InterruptedException {
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + limit.toNanos();
    while (cluster.selfMember().status() != MemberStatus.up()) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("the node did not join its cluster in " + limit);
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  ActorSystem<Void> system() {
    return system;
  }

  AgentBus bus() {
    return AgentBus.get(system);
  }

  Database db() {
    return db;
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // the JVM ends soon after anyway; the data stays for a look
      return;
    }
    if (db.kind().isH2()) shutdownH2();
    if (tempDir != null) deleteTree(tempDir);
  }

  /** Closes the H2 database: frees an in-memory one and releases a file's lock so it can be deleted. */
  private void shutdownH2() {
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
        Statement s = c.createStatement()) {
      s.execute("SHUTDOWN");
    } catch (SQLException e) {
      // already closed
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the OS cleans it eventually
    }
  }
}
