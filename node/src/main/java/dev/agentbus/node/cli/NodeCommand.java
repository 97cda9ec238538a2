package dev.agentbus.node.cli;

import com.typesafe.config.Config;
import dev.agentbus.node.BusNode;
import dev.agentbus.node.http.BootstrapKey;
import dev.agentbus.persistence.Database;
import dev.agentbus.persistence.StoredLayout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentbus node}: starts a node and runs until Ctrl-C or SIGTERM (which leave the cluster cleanly). */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Start an Agent Bus node.")
public final class NodeCommand implements Callable<Integer> {

  @Option(names = "--config", description = "Config resource (e.g. local1.conf) or file; default application.conf")
  String config;

  @Option(names = "--port", description = "Artery (cluster) port")
  Integer port;

  @Option(names = "--http-port", description = "HTTP API port")
  Integer httpPort;

  @Option(names = "--management-port", description = "Pekko Management port (/ready, /alive, /cluster/members)")
  Integer managementPort;

  @Option(names = "--data-dir", description = "Directory of the embedded H2 database (default ./data)")
  Path dataDir;

  @Option(names = "--in-memory", description = "Keep the journal in an in-memory H2 (nothing survives a stop)")
  boolean inMemory;

  @Option(names = "--bootstrap-key",
      description = "Admin key created on the cluster's first start (default: $AGENTBUS_BOOTSTRAP_KEY, else generated)")
  String bootstrapKey;

  @Override
  public Integer call() throws Exception {
    long started = System.nanoTime();
    Map<String, Object> overrides = new HashMap<>();
    if (port != null) overrides.put("pekko.remote.artery.canonical.port", port);
    if (httpPort != null) overrides.put("agentbus.http.port", httpPort);
    if (managementPort != null) overrides.put("pekko.management.http.port", managementPort);
    if (dataDir != null) overrides.put("agentbus.data-dir", dataDir.toString());
    Config unresolved = BusNode.loadConfig(config, overrides);
    Database db = BusNode.database(unresolved, System.getenv(), inMemory);
    ActorSystem<Void> system;
    try {
      system = BusNode.start(unresolved, db);
    } catch (StoredLayout.PartitionCountMismatch e) {
      System.err.println("Cannot start on " + db.describe() + ": " + e.getMessage());
      return 2;
    }
    // The first start of a cluster creates an admin key (printed once and written to the data dir).
    Path keyDir = Path.of(system.settings().config().getString("agentbus.data-dir"));
    try {
      BootstrapKey.ensure(system, BootstrapKey.given(bootstrapKey, System.getenv()), keyDir).toCompletableFuture().join();
    } catch (CompletionException e) {
      System.err.println("Cannot create the bootstrap admin key: " + e.getCause().getMessage());
      system.terminate();
      return 1;
    }
    System.out.printf("Agent Bus node %s started in %d ms on %s%n", system.address(),
        (System.nanoTime() - started) / 1_000_000, db.describe());
    system.getWhenTerminated().toCompletableFuture().join();
    return 0;
  }
}
