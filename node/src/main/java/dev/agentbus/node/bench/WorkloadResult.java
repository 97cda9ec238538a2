package dev.agentbus.node.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One workload's figures, as printed and as written to the {@code results} array of {@code --json}.
 *
 * @param throughputPerSec accepted messages per second of the measured phase (held, rejected and failed
 *     sends do not count; for the baseline: answered asks per second)
 * @param answeredPerSec every answered send per second, whatever the answer
 * @param mode {@code closed} (fixed in-flight window) or {@code open} (fixed arrival rate)
 * @param lost accepted messages missing from the ledger or the inboxes; -1 when not checked
 * @param acceptedTotal accepted sends, warm-up included: what {@code persisted} and {@code readable} are
 *     compared with
 * @param verified accepted = persisted = readable (and, in W6, held = CRITICAL sent)
 * @param persisted accepted entries of this workload in the ledger; null when the ledger was not read
 * @param readable messages readable from this workload's inboxes
 * @param baselinePerSec the baseline at the same in-flight window; null when not measured
 * @param cpuPercent process CPU over wall time in the measured phase (200 = both of 2 cores)
 */
record WorkloadResult(
    String workload,
    String description,
    String mode,
    int inFlight,
    Integer rate,
    long measured,
    double elapsedSec,
    double throughputPerSec,
    double answeredPerSec,
    double p50Ms,
    double p95Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    double meanMs,
    long accepted,
    long rejected,
    long held,
    long failed,
    long lost,
    long acceptedTotal,
    boolean verified,
    Long persisted,
    Long readable,
    Double baselinePerSec,
    double cpuPercent,
    long gcCount,
    long gcTimeMs,
    double firstHalfMeanMs,
    double secondHalfMeanMs,
    long warmupSends,
    Map<String, Long> reasons,
    List<String> problems) {

  WorkloadResult {
    reasons = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(reasons));
    problems = List.copyOf(problems);
  }

  static WorkloadResult of(
      Workload w, String mode, int inFlight, Integer rate, LoadGenerator.Result r, LossCheck.Verification v,
      Double baselinePerSec) {
    Histogram h = r.latencyMicros();
    LoadGenerator.Counts m = r.measured();
    double elapsed = r.elapsedSeconds();
    return new WorkloadResult(w.name(), w.description(), mode, inFlight, rate, m.total(), elapsed,
        perSecond(m.accepted(), elapsed), perSecond(m.total(), elapsed),
        LoadGenerator.ms(h, 50), LoadGenerator.ms(h, 95), LoadGenerator.ms(h, 99), LoadGenerator.ms(h, 99.9),
        h.getMaxValue() / 1_000.0, h.getTotalCount() == 0 ? 0 : h.getMean() / 1_000.0,
        m.accepted(), m.rejected(), m.held(), m.failed(),
        v == null ? -1 : v.lost(), r.all().accepted(), v != null && v.ok(),
        v == null ? null : v.persistedAccepted(), v == null ? null : v.readable(),
        baselinePerSec, r.cpuPercent(), r.gcCount(), r.gcMillis(), r.firstHalfMeanMs(), r.secondHalfMeanMs(),
        r.all().total() - m.total(), m.reasons(), v == null ? List.of() : v.problems());
  }

  /** The baseline itself, as a result of its own. */
  static WorkloadResult baseline(int inFlight, LoadGenerator.Result r) {
    Histogram h = r.latencyMicros();
    LoadGenerator.Counts m = r.measured();
    double elapsed = r.elapsedSeconds();
    double rate = perSecond(m.accepted(), elapsed);
    return new WorkloadResult("baseline", "ask to an in-memory sharded entity (no persistence)", "closed", inFlight,
        null, m.total(), elapsed, rate, perSecond(m.total(), elapsed),
        LoadGenerator.ms(h, 50), LoadGenerator.ms(h, 95), LoadGenerator.ms(h, 99), LoadGenerator.ms(h, 99.9),
        h.getMaxValue() / 1_000.0, h.getTotalCount() == 0 ? 0 : h.getMean() / 1_000.0,
        m.accepted(), m.rejected(), m.held(), m.failed(), 0, r.all().accepted(), m.failed() == 0, null, null, rate,
        r.cpuPercent(),
        r.gcCount(), r.gcMillis(), r.firstHalfMeanMs(), r.secondHalfMeanMs(), r.all().total() - m.total(),
        m.reasons(), List.of());
  }

  Double ratioToBaseline() {
    return baselinePerSec == null || baselinePerSec <= 0 ? null : throughputPerSec / baselinePerSec;
  }

  private static double perSecond(long n, double seconds) {
    return seconds <= 0 ? 0 : n / seconds;
  }

  /** The JSON object: the required keys first, then the rest; no NaN (null instead). */
  Map<String, Object> toJson() {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("workload", workload);
    j.put("throughputPerSec", round(throughputPerSec));
    j.put("p50Ms", round(p50Ms));
    j.put("p95Ms", round(p95Ms));
    j.put("p99Ms", round(p99Ms));
    j.put("p999Ms", round(p999Ms));
    j.put("maxMs", round(maxMs));
    j.put("accepted", accepted);
    j.put("rejected", rejected);
    j.put("held", held);
    j.put("failed", failed);
    j.put("lost", lost);
    j.put("baselinePerSec", baselinePerSec == null ? null : round(baselinePerSec));
    j.put("ratioToBaseline", ratioToBaseline() == null ? null : Math.round(ratioToBaseline() * 10_000) / 10_000.0);
    j.put("verified", verified);
    j.put("acceptedTotal", acceptedTotal);
    j.put("persisted", persisted);
    j.put("readable", readable);
    j.put("description", description);
    j.put("mode", mode);
    j.put("inFlight", inFlight);
    j.put("rate", rate);
    j.put("measured", measured);
    j.put("elapsedSec", round(elapsedSec));
    j.put("answeredPerSec", round(answeredPerSec));
    j.put("meanMs", round(meanMs));
    j.put("cpuPercent", round(cpuPercent));
    j.put("gcCount", gcCount);
    j.put("gcTimeMs", gcTimeMs);
    j.put("firstHalfMeanMs", round(firstHalfMeanMs));
    j.put("secondHalfMeanMs", round(secondHalfMeanMs));
    j.put("warmupSends", warmupSends);
    j.put("reasons", reasons);
    j.put("problems", problems);
    return j;
  }

  private static Double round(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) return null;
    return Math.round(v * 1_000) / 1_000.0;
  }
}
