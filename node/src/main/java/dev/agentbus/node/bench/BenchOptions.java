package dev.agentbus.node.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a benchmark run needs, checked by {@link BenchCommand}.
 *
 * @param count when not null, each workload measures exactly this many sends instead of {@code duration}
 * @param rate when not null, concurrent workloads run open loop at this many sends per second
 * @param db {@code h2-file}, {@code h2-mem} or a PostgreSQL JDBC URL
 * @param dataDir null for a fresh temporary directory (deleted at the end)
 * @param url a running node's HTTP API for W7; null to bind the API in-process on a free port
 * @param apiKey sent as {@code X-API-Key} by W7 when not null (a node with API keys on)
 * @param criticalPercent the share of CRITICAL sends in W6, in percent
 * @param baselineDuration how long the baseline is measured (0 to skip it); with {@code count} the
 *     baseline measures that many asks instead
 * @param settings extra configuration, path to value, applied over the node's configuration
 * @param memoryAgents when not null, the run is the memory check ({@link MemoryCheck}) with this many agents
 * @param memoryWait how long the memory check waits for idle agents to passivate
 */
public record BenchOptions(
    List<Workload> workloads,
    Duration duration,
    Long count,
    Duration warmup,
    int inFlight,
    int agents,
    int tenants,
    boolean maci,
    Integer rate,
    long seed,
    Path json,
    String db,
    String dbUser,
    String dbPassword,
    Path dataDir,
    URI url,
    String apiKey,
    int connections,
    double criticalPercent,
    Duration baselineDuration,
    Duration progressEvery,
    Map<String, String> settings,
    Integer memoryAgents,
    Duration memoryWait) {

  public BenchOptions {
    workloads = List.copyOf(workloads);
    settings = Map.copyOf(settings);
  }

  public boolean countMode() {
    return count != null;
  }

  /** Sends in flight for this workload in a closed loop. */
  public int concurrency(Workload w) {
    if (w.sequential()) return 1;
    return w == Workload.W7 ? connections : inFlight;
  }

  /** The open-loop rate of this workload, or null for a closed loop. */
  public Integer rateFor(Workload w) {
    return w.sequential() ? null : rate;
  }
}
