package dev.agentbus.node.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.node.http.HttpApi;
import dev.agentbus.node.http.HttpSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Runs the chosen workloads one after the other on one in-process node: for each, its own agents, the
 * baseline at the same in-flight window (measured once per window), the load, then the loss check.
 */
final class BenchRunner {

  /**
   * How long a closed-loop lane waits after an {@code overloaded} refusal. The node answers those at once;
   * lanes retrying immediately made a million refusals a second and starved the sends already accepted
   * (asks timed out after 5 s). The HTTP edge asks clients to wait 2 s (Retry-After); in-process lanes
   * retry sooner so that a run still measures the node near its limit.
   */
  private static final Duration OVERLOAD_BACKOFF = Duration.ofMillis(100);

  private final BenchOptions options;
  private final PrintStream out;
  private final String runId;
  private final long salt;

  BenchRunner(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    SecureRandom r = new SecureRandom();
    this.runId = String.format("%08x", r.nextInt());
    this.salt = r.nextLong();
  }

  /** @return 0 when every workload's loss check passed, 1 otherwise */
  int run() throws IOException, InterruptedException {
    try (BenchNode node = BenchNode.start(options)) {
      ActorSystem<Void> system = node.system();
      AgentBus bus = node.bus();
      Map<String, Object> machine = Machine.describe(node.db().describe());
      header(machine);
      Duration askTimeout = bus.settings().askTimeout();
      Operation baselineOp = BaselineEntity.operation(system, Math.max(1, options.agents()), askTimeout);
      LossCheck lossCheck = new LossCheck(system, system.settings().config().getString("agentbus.read-journal-plugin-id"),
          bus.settings().ledgerPartitions(), Duration.ofMinutes(10));
      BusWorkloads workloads = new BusWorkloads(bus, options, salt);
      if (options.memoryAgents() != null) {
        AgentSet set = new AgentSet(Workload.W3, runId, options.memoryAgents(), options.tenants());
        Map<String, Object> memory = new MemoryCheck(system, workloads, out, askTimeout)
            .run(set, options.seed(), options.memoryWait());
        if (options.json() != null) {
          Map<String, Object> root = new LinkedHashMap<>();
          root.put("machine", machine);
          root.put("memory", memory);
          writeJson(root);
        }
        return 0;
      }
      Map<Integer, WorkloadResult> baselines = new HashMap<>();
      List<WorkloadResult> results = new ArrayList<>();
      boolean ok = true;
      HttpWorkload http = null;
      try {
        for (Workload w : options.workloads()) {
          int concurrency = options.concurrency(w);
          WorkloadResult base = baselines.get(concurrency);
          if (base == null && measuresBaseline()) {
            base = baseline(baselineOp, concurrency);
            baselines.put(concurrency, base);
            results.add(base);
          }
          if (w == Workload.W7 && http == null) http = new HttpWorkload(httpBase(system, bus),
              bus.governanceSettings().constitutionalHash(), options.apiKey(), askTimeout.multipliedBy(4),
              options.connections());
          WorkloadResult r = runWorkload(w, system, bus, workloads, http, lossCheck, base);
          results.add(r);
          ok &= r.verified();
        }
      } finally {
        if (http != null) http.close();
      }
      machine.put("loadAverageAtEnd", Machine.loadAverage());
      summary(results);
      if (options.json() != null) writeJson(machine, results);
      out.println(ok ? "Loss check: passed for every workload." : "Loss check: FAILED (see problems above).");
      return ok ? 0 : 1;
    }
  }

  private boolean measuresBaseline() {
    return !options.baselineDuration().isZero();
  }

  private WorkloadResult baseline(Operation op, int concurrency) throws InterruptedException {
    Duration warmup = options.countMode() ? options.warmup() : min(options.warmup(), options.baselineDuration());
    out.printf("baseline: ask to an in-memory sharded entity, %d in flight, warm-up %s, then %s%n", concurrency,
        Durations.format(warmup), measureText(options.baselineDuration()));
    LoadGenerator.Plan plan = new LoadGenerator.Plan("base", concurrency, null, warmup, options.baselineDuration(),
        options.count(), options.progressEvery(), options.seed(), Duration.ofSeconds(30), Integer.MAX_VALUE,
        OVERLOAD_BACKOFF);
    LoadGenerator.Result r = new LoadGenerator(plan, op, out).run();
    WorkloadResult result = WorkloadResult.baseline(concurrency, r);
    out.printf("baseline: %,.0f asks/s, p99 %.3f ms%n%n", result.throughputPerSec(), result.p99Ms());
    return result;
  }

  private WorkloadResult runWorkload(
      Workload w, ActorSystem<?> system, AgentBus bus, BusWorkloads workloads, HttpWorkload http,
      LossCheck lossCheck, WorkloadResult base) throws InterruptedException {
    int concurrency = options.concurrency(w);
    Integer rate = options.rateFor(w);
    AgentSet set = new AgentSet(w, runId, options.agents(), w.tenanted() ? options.tenants() : 0);
    long t0 = System.nanoTime();
    BusWorkloads.DeliveryProbe probe = null;
    Operation op;
    if (w == Workload.W7) {
      http.register(set);
      op = http.operation(set);
    } else {
      workloads.register(set);
      if (w == Workload.W4) {
        probe = new BusWorkloads.DeliveryProbe(system, "bench-delivery-probe-" + runId);
        probe.subscribe(bus, workloads, set);
      }
      op = workloads.operation(set, probe);
    }
    out.printf("%s: %s%n", w, w.description());
    out.printf("%s: %,d agents registered in %.1f s%s; %s, warm-up %s, then %s%n", w, set.size(),
        (System.nanoTime() - t0) / 1e9,
        w.tenanted() ? " in " + options.tenants() + " tenants" : " (no tenant)",
        rate == null ? "closed loop, " + concurrency + " in flight" : "open loop at " + rate + "/s",
        Durations.format(options.warmup()), measureText(options.duration()));
    LoadGenerator.Plan plan = new LoadGenerator.Plan(w.name(), concurrency, rate, options.warmup(),
        options.duration(), options.count(), options.progressEvery(), options.seed(), Duration.ofSeconds(60),
        rate == null ? Integer.MAX_VALUE : Math.max(10_000, rate * 2), OVERLOAD_BACKOFF);
    LoadGenerator.Result r = new LoadGenerator(plan, op, out).run();
    if (probe != null) probe.unsubscribe(bus, set, system);

    boolean remote = w == Workload.W7 && options.url() != null;
    long c0 = System.nanoTime();
    LossCheck.LedgerCounts ledger = remote ? null : lossCheck.scan(set);
    long[] inboxes = remote ? http.inboxTotals(set) : workloads.inboxTotals(set);
    LossCheck.Verification v = LossCheck.verify(set, r.all(), ledger, inboxes, bus.settings().inboxMaxRetained());
    WorkloadResult result = WorkloadResult.of(w, rate == null ? "closed" : "open", concurrency, rate, r, v,
        base == null ? null : base.throughputPerSec());
    out.printf("%s: %,.0f accepted/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.1f ms; accepted %,d,"
            + " rejected %,d, held %,d, failed %,d%n",
        w, result.throughputPerSec(), result.p50Ms(), result.p99Ms(), result.p999Ms(), result.maxMs(),
        result.accepted(), result.rejected(), result.held(), result.failed());
    out.printf("%s: mean latency %.3f ms in the first half of the measured sends, %.3f ms in the second;"
            + " CPU %.0f %%, %d GC pauses (%d ms)%n",
        w, result.firstHalfMeanMs(), result.secondHalfMeanMs(), result.cpuPercent(), result.gcCount(),
        result.gcTimeMs());
    out.printf("%s: loss check in %.1f s: %,d accepted (warm-up included), %s in the ledger, %,d readable: %s%n",
        w, (System.nanoTime() - c0) / 1e9, v.accepted(),
        v.persistedAccepted() == null ? "not read (remote node)" : String.format("%,d", v.persistedAccepted()),
        v.readable(), v.ok() ? "ok" : "MISMATCH");
    for (String p : v.problems()) out.println("  problem: " + p);
    if (ledger != null && ledger.batches() > 0) {
      out.printf("%s: the ledger wrote %,d entries in %,d batches (%.1f per batch)%n",
          w, ledger.entries(), ledger.batches(), (double) ledger.entries() / ledger.batches());
    }
    if (!result.reasons().isEmpty()) out.println("  reasons: " + result.reasons());
    out.println();
    return result;
  }

  /** The HTTP API of {@code --url}, or the in-process node's, bound here on a free port. */
  private URI httpBase(ActorSystem<?> system, AgentBus bus) {
    if (options.url() != null) return options.url();
    HttpSettings settings = HttpSettings.fromConfig(system.settings().config()).withPort(0);
    try {
      ServerBinding binding = HttpApi.start(system, bus, settings).toCompletableFuture().get(30, TimeUnit.SECONDS);
      var address = binding.localAddress();
      return URI.create("http://" + address.getHostString() + ":" + address.getPort());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("the HTTP API could not be bound: " + e, e);
    }
  }

  private String measureText(Duration duration) {
    return options.countMode() ? String.format("%,d measured sends", options.count()) : Durations.format(duration);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void header(Map<String, Object> m) {
    out.printf("Agent Bus bench, run %s, seed %d, %s%n", runId, options.seed(), m.get("date"));
    out.printf("machine: %s CPUs, %s MB, load average %.2f, %s, heap max %s MB, GC %s%n", m.get("cpus"),
        m.get("memoryMb"), (Double) m.get("loadAverage"), m.get("jvm"), m.get("maxHeapMb"), m.get("gc"));
    out.printf("database: %s; MACI %s; workloads %s%n%n", m.get("database"), options.maci() ? "on" : "off",
        options.workloads());
  }

  private void summary(List<WorkloadResult> results) {
    out.println("workload  load         measured   accepted/s   p50 ms   p95 ms   p99 ms  p99.9 ms   max ms"
        + "   accepted rejected  held failed  lost  baseline/s  ratio  check");
    for (WorkloadResult r : results) {
      boolean isBase = r.workload().equals("baseline");
      Double ratio = r.ratioToBaseline();
      String load = r.rate() != null ? "open " + r.rate() + "/s" : "closed " + r.inFlight();
      out.printf("%-9s %-12s %8d %12.0f %8.3f %8.3f %8.3f %9.3f %8.1f %10d %8d %5d %6d %5s %11s %6s  %s%n",
          r.workload(), load, r.measured(), r.throughputPerSec(), r.p50Ms(), r.p95Ms(), r.p99Ms(),
          r.p999Ms(), r.maxMs(), r.accepted(), r.rejected(), r.held(), r.failed(),
          isBase ? "-" : Long.toString(r.lost()),
          r.baselinePerSec() == null ? "-" : String.format("%.0f", r.baselinePerSec()),
          isBase || ratio == null ? "-" : String.format("%.3f", ratio),
          isBase ? "-" : r.verified() ? "ok" : "FAILED");
    }
  }

  private void writeJson(Map<String, Object> machine, List<WorkloadResult> results) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("machine", machine);
    Map<String, Object> opts = new LinkedHashMap<>();
    opts.put("runId", runId);
    opts.put("workloads", options.workloads().stream().map(Workload::name).toList());
    opts.put("duration", options.countMode() ? null : Durations.format(options.duration()));
    opts.put("count", options.count());
    opts.put("warmup", Durations.format(options.warmup()));
    opts.put("inFlight", options.inFlight());
    opts.put("agents", options.agents());
    opts.put("tenants", options.tenants());
    opts.put("maci", options.maci());
    opts.put("rate", options.rate());
    opts.put("seed", options.seed());
    opts.put("connections", options.connections());
    opts.put("url", options.url() == null ? null : options.url().toString());
    opts.put("criticalPercent", options.criticalPercent());
    opts.put("settings", options.settings());
    root.put("options", opts);
    root.put("results", results.stream().filter(r -> !r.workload().equals("baseline")).map(WorkloadResult::toJson)
        .toList());
    root.put("baselines", results.stream().filter(r -> r.workload().equals("baseline")).map(WorkloadResult::toJson)
        .toList());
    writeJson(root);
  }

  private void writeJson(Map<String, Object> root) throws IOException {
    Path file = options.json();
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    out.println("JSON written to " + file.toAbsolutePath());
  }
}
