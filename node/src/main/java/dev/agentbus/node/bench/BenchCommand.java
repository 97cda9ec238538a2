package dev.agentbus.node.bench;

import dev.agentbus.persistence.StoredLayout;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code agentbus bench}: starts a node in this JVM and drives the workloads W1-W7 of inventory section 8.4
 * through the bus's gateway (W7 over HTTP), printing progress, then per workload throughput, latency
 * percentiles, counts and the loss check. Exits 1 when a loss check fails.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Benchmark the bus in-process (W1-W6) and over HTTP (W7).",
        "W1 sequential unique content, W2 sequential identical content, W3 concurrent (tenants, MACI roles),",
        "W4 end to end to the recipient's subscriber, W5 one hot sender, W6 with CRITICAL messages (held),",
        "W7 HTTP. W1, W2 and W5 always keep one send in flight."})
public final class BenchCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--workload", split = ",", paramLabel = "W",
      description = "Workload(s) W1..W7, repeatable or comma separated (default W1,W3,W5)")
  List<String> workloads = new ArrayList<>();

  @Option(names = "--duration", converter = Durations.Converter.class, paramLabel = "TIME",
      description = "Measured time per workload, e.g. 30s (default 30s)")
  Duration duration = Duration.ofSeconds(30);

  @Option(names = "--count", paramLabel = "N", description = "Measure exactly N sends per workload instead of a duration")
  Long count;

  @Option(names = "--warmup", converter = Durations.Converter.class, paramLabel = "TIME",
      description = "Warm-up per workload before measuring, not measured (default 30s; 0s for none)")
  Duration warmup = Duration.ofSeconds(30);

  @Option(names = "--in-flight", paramLabel = "N", description = "Sends in flight for W3, W4, W6 (default 64)")
  int inFlight = 64;

  @Option(names = "--agents", paramLabel = "N", description = "Agents registered per workload (default 1000)")
  int agents = 1000;

  @Option(names = "--tenants", paramLabel = "N", description = "Tenants of W3, W4, W6, W7 (default 4)")
  int tenants = 4;

  @Option(names = "--maci", paramLabel = "on|off", description = "MACI role enforcement (default on)")
  String maci = "on";

  @Option(names = "--rate", paramLabel = "N",
      description = "Open loop: N sends per second for W3, W4, W6, W7 (default: closed loop)")
  Integer rate;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of every random choice (default 42)")
  long seed = 42;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON")
  Path json;

  @Option(names = "--db", paramLabel = "KIND",
      description = "h2-file (default, in the data directory), h2-mem, or a jdbc:postgresql: URL")
  String db = "h2-file";

  @Option(names = "--db-user", paramLabel = "USER", description = "PostgreSQL user")
  String dbUser;

  @Option(names = "--db-password", paramLabel = "PASSWORD", description = "PostgreSQL password")
  String dbPassword;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data directory of the H2 file (default: a fresh temporary one, deleted at the end)")
  Path dataDir;

  @Option(names = "--url", paramLabel = "URL",
      description = "W7 against this running node's HTTP API (default: the API bound in-process on a free port)")
  URI url;

  @Option(names = "--api-key", paramLabel = "KEY",
      description = "W7: API key sent as X-API-Key (for a --url node with API keys on; its tenant applies)")
  String apiKey;

  @Option(names = "--connections", paramLabel = "N", description = "W7 keep-alive connections, one request each (default 64)")
  int connections = 64;

  @Option(names = "--critical-percent", paramLabel = "P", description = "Share of CRITICAL sends in W6, 1 to 5 (default 3)")
  double criticalPercent = 3;

  @Option(names = "--baseline-duration", converter = Durations.Converter.class, paramLabel = "TIME",
      description = "Measured time of the baseline per in-flight window (default 10s; 0s to skip;"
          + " with --count it measures that many asks)")
  Duration baselineDuration = Duration.ofSeconds(10);

  @Option(names = "--progress", converter = Durations.Converter.class, paramLabel = "TIME",
      description = "Interval of the progress lines (default 5s)")
  Duration progress = Duration.ofSeconds(5);

  @Option(names = "--set", paramLabel = "PATH=VALUE",
      description = "Configuration override, repeatable, e.g. --set agentbus.ledger.partitions=4")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--memory", paramLabel = "N",
      description = "Instead of workloads: register N agents, send each one message, report the heap after GC"
          + " with all of them awake and again after the idle ones passivated (the 100,000-agent target)")
  Integer memoryAgents;

  @Option(names = "--memory-wait", converter = Durations.Converter.class, paramLabel = "TIME",
      description = "How long --memory waits for idle agents to passivate (default 4m; the idle timeout is"
          + " pekko.cluster.sharding.passivation.default-idle-strategy.idle-timeout, 2 minutes unless --set)")
  Duration memoryWait = Duration.ofMinutes(4);

  @Override
  public Integer call() throws Exception {
    BenchOptions options = options();
    try {
      return new BenchRunner(options, System.out).run();
    } catch (StoredLayout.PartitionCountMismatch e) {
      System.err.println("Cannot start the bench's node: " + e.getMessage());
      return 2;
    }
  }

  BenchOptions options() {
    List<Workload> chosen = new ArrayList<>();
    try {
      for (String w : workloads.isEmpty() ? List.of("W1", "W3", "W5") : workloads) {
        Workload parsed = Workload.parse(w);
        if (!chosen.contains(parsed)) chosen.add(parsed);
      }
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    if (count != null && count <= 0) throw usage("--count must be positive");
    if (duration.isZero() || duration.isNegative()) throw usage("--duration must be positive");
    if (warmup.isNegative()) throw usage("--warmup must not be negative");
    if (inFlight < 1) throw usage("--in-flight must be at least 1");
    if (connections < 1) throw usage("--connections must be at least 1");
    if (tenants < 1) throw usage("--tenants must be at least 1");
    if (agents < 2 * tenants) throw usage("--agents must be at least twice --tenants (two agents per tenant)");
    if (rate != null && rate < 1) throw usage("--rate must be at least 1");
    if (criticalPercent < 1 || criticalPercent > 5) throw usage("--critical-percent must be between 1 and 5");
    if (progress.toMillis() < 100) throw usage("--progress must be at least 100ms");
    if (memoryAgents != null && memoryAgents < 2) throw usage("--memory must be at least 2");
    if (memoryWait.isNegative()) throw usage("--memory-wait must not be negative");
    String m = maci.toLowerCase(Locale.ROOT);
    if (!m.equals("on") && !m.equals("off")) throw usage("--maci must be on or off");
    String d = db.trim();
    if (!d.equals("h2-file") && !d.equals("h2-mem") && !d.startsWith("jdbc:postgresql:")) {
      throw usage("--db must be h2-file, h2-mem or a jdbc:postgresql: URL");
    }
    return new BenchOptions(chosen, duration, count, warmup, inFlight, agents, tenants, m.equals("on"), rate, seed,
        json, d, dbUser, dbPassword, dataDir, url, apiKey, connections, criticalPercent, baselineDuration,
        progress, settings, memoryAgents, memoryWait);
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
