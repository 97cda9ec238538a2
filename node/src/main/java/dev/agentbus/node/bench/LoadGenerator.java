package dev.agentbus.node.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one {@link Operation} and measures it: a warm-up, then a measured phase of a fixed duration or a
 * fixed count. Two ways of offering load:
 *
 * <ul>
 *   <li>closed loop: {@code concurrency} lanes, each starting its next operation when its previous one
 *       completes (continued on the completing thread, with no hand-off; a stage already complete is
 *       looped over, never recursed into);
 *   <li>open loop: one generator thread releases operations at a fixed rate, whatever the answers, to
 *       a pool of sender threads (one per core, like a server's request threads) that start them: the
 *       synchronous part of a send (message building, the governance pipeline) would otherwise make the
 *       generator itself the bottleneck. Latency counts from the <em>intended</em> start, so a stall (of
 *       the generator, a sender or the node) is charged to every operation it delays (no coordinated
 *       omission).
 * </ul>
 *
 * Operations started during the warm-up are counted (the loss check needs them) but not measured.
 * Latency is recorded in microseconds in HdrHistogram recorders, for every outcome.
 */
final class LoadGenerator {

  /**
   * @param rate null for a closed loop
   * @param count null to measure for {@code duration}
   * @param drainTimeout how long to wait for the last answers once the measured phase is over
   * @param maxOutstanding open loop only: above this many unanswered operations, new ones are counted
   *     as failed ({@code generator_backlog}) instead of started
   * @param overloadBackoff closed loop only: how long a lane waits after a send refused as
   *     {@code overloaded}, as a client honouring Retry-After would, instead of retrying at once
   */
  record Plan(
      String label, int concurrency, Integer rate, Duration warmup, Duration duration, Long count,
      Duration progressEvery, long seed, Duration drainTimeout, int maxOutstanding, Duration overloadBackoff) {}

  /** Counts per outcome, and reason codes of rejections and failures. */
  record Counts(long accepted, long rejected, long held, long failed, Map<String, Long> reasons) {
    long total() {
      return accepted + rejected + held + failed;
    }
  }

  /**
   * @param latencyMicros every measured operation's latency
   * @param elapsedSeconds from the start of the measured phase to the last measured answer
   * @param cpuPercent process CPU time over wall time in the measured phase (200 = both of 2 cores)
   */
  record Result(
      Histogram latencyMicros, double elapsedSeconds, Counts measured, Counts all, double firstHalfMeanMs,
      double secondHalfMeanMs, long unanswered, double cpuPercent, long gcCount, long gcMillis) {}

  private enum Phase {
    WARMUP,
    MEASURE,
    STOP
  }

  private static final class Tally {
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder held = new LongAdder();
    final LongAdder failed = new LongAdder();
    final ConcurrentHashMap<String, LongAdder> reasons = new ConcurrentHashMap<>();

    void add(Outcome o) {
      switch (o.kind()) {
        case ACCEPTED -> accepted.increment();
        case REJECTED -> rejected.increment();
        case HELD -> held.increment();
        case FAILED -> failed.increment();
      }
      if (o.reason() != null) reasons.computeIfAbsent(o.reason(), r -> new LongAdder()).increment();
    }

    Counts snapshot() {
      Map<String, Long> r = new TreeMap<>();
      reasons.forEach((k, v) -> r.put(k, v.sum()));
      return new Counts(accepted.sum(), rejected.sum(), held.sum(), failed.sum(), r);
    }
  }

  private final Plan plan;
  private final Operation operation;
  private final PrintStream out;

  private volatile Phase phase = Phase.WARMUP;
  private volatile long measureStart;
  private volatile boolean sealed;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong measuredIssued = new AtomicLong();
  private final AtomicLong outstanding = new AtomicLong();
  private final Recorder progressRecorder = new Recorder(3);
  private final Recorder measuredRecorder = new Recorder(3);
  private final Tally all = new Tally();
  private final Tally measured = new Tally();
  private final LongAccumulator lastEnd = new LongAccumulator(Math::max, Long.MIN_VALUE);
  private final DoubleAdder firstHalfSum = new DoubleAdder();
  private final LongAdder firstHalfN = new LongAdder();
  private final DoubleAdder secondHalfSum = new DoubleAdder();
  private final LongAdder secondHalfN = new LongAdder();
  private final LongAdder progressDone = new LongAdder();
  private CountDownLatch lanesDone;
  // progress lines, and lanes' restarts after an overload back-off
  private ScheduledExecutorService scheduler;
  private ExecutorService laneRunner;

  LoadGenerator(Plan plan, Operation operation, PrintStream out) {
    this.plan = plan;
    this.operation = operation;
    this.out = out;
  }

  Result run() throws InterruptedException {
    long started = System.nanoTime();
    boolean warm = !plan.warmup().isZero();
    if (!warm) {
      measureStart = started;
      phase = Phase.MEASURE;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-progress");
      t.setDaemon(true);
      return t;
    });
    long every = plan.progressEvery().toMillis();
    scheduler.scheduleAtFixedRate(new ProgressLine(started), every, every, TimeUnit.MILLISECONDS);
    Thread generator = null;
    ExecutorService senders = null;
    try {
      if (plan.rate() == null) {
        laneRunner = Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "bench-lanes");
          t.setDaemon(true);
          return t;
        });
        startLanes();
      } else {
        senders = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
          Thread t = new Thread(r, "bench-sender");
          t.setDaemon(true);
          return t;
        });
        ExecutorService pool = senders;
        generator = new Thread(() -> openLoop(pool), "bench-open-loop");
        generator.setDaemon(true);
        generator.start();
      }
      ResourceUse before = ResourceUse.now();
      if (warm) {
        sleepUntil(started + plan.warmup().toNanos());
        before = ResourceUse.now();
        measureStart = System.nanoTime();
        phase = Phase.MEASURE;
      }
      if (plan.count() == null) {
        sleepUntil(measureStart + plan.duration().toNanos());
        phase = Phase.STOP;
      }
      // closed loop: lanes stop by themselves at the count or at STOP; open loop: the generator does
      long drainDeadline = Long.MAX_VALUE;
      if (generator != null) {
        generator.join();
        drainDeadline = System.nanoTime() + plan.drainTimeout().toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < drainDeadline) Thread.sleep(5);
      } else {
        waitForLanes(plan.count() == null ? plan.drainTimeout() : null);
      }
      phase = Phase.STOP;
      sealed = true;
      ResourceUse after = ResourceUse.now();
      long unanswered = Math.max(0, outstanding.get());
      return result(before, after, unanswered);
    } finally {
      phase = Phase.STOP;
      sealed = true;
      scheduler.shutdownNow();
      if (senders != null) senders.shutdownNow();
      if (laneRunner != null) laneRunner.shutdownNow();
    }
  }

  private void waitForLanes(Duration drain) throws InterruptedException {
    if (drain != null) {
      lanesDone.await(drain.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    // count mode: wait for the count, then give the last answers the drain time
    while (!lanesDone.await(100, TimeUnit.MILLISECONDS)) {
      if (plan.count() != null && measuredIssued.get() >= plan.count()) {
        lanesDone.await(plan.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
    }
  }

  private Result result(ResourceUse before, ResourceUse after, long unanswered) {
    Histogram h = measuredRecorder.getIntervalHistogram();
    long last = lastEnd.get();
    double elapsed = last == Long.MIN_VALUE
        ? (plan.count() == null ? plan.duration().toNanos() : 0) / 1e9
        : (last - measureStart) / 1e9;
    Counts m = measured.snapshot();
    Counts a = all.snapshot();
    if (unanswered > 0) {
      m = withUnanswered(m, unanswered);
      a = withUnanswered(a, unanswered);
    }
    double wall = (after.wallNanos - before.wallNanos) / 1e9;
    double cpu = wall <= 0 ? 0 : 100.0 * (after.cpuNanos - before.cpuNanos) / 1e9 / wall;
    return new Result(h, elapsed, m, a, mean(firstHalfSum, firstHalfN), mean(secondHalfSum, secondHalfN),
        unanswered, cpu, after.gcCount - before.gcCount, after.gcMillis - before.gcMillis);
  }

  private static Counts withUnanswered(Counts c, long n) {
    Map<String, Long> reasons = new TreeMap<>(c.reasons());
    reasons.merge("no_answer_in_time", n, Long::sum);
    return new Counts(c.accepted(), c.rejected(), c.held(), c.failed() + n, reasons);
  }

  private static double mean(DoubleAdder sum, LongAdder n) {
    long count = n.sum();
    return count == 0 ? Double.NaN : sum.sum() / count;
  }

  // ---- closed loop ----

  private void startLanes() {
    lanesDone = new CountDownLatch(plan.concurrency());
    SplittableRandom root = new SplittableRandom(plan.seed());
    Lane[] lanes = new Lane[plan.concurrency()];
    for (int i = 0; i < lanes.length; i++) lanes[i] = new Lane(root.split());
    for (Lane lane : lanes) lane.resume();
  }

  private final class Lane {
    private final SplittableRandom random;

    Lane(SplittableRandom random) {
      this.random = random;
    }

    /** Continues this lane on the lane thread, never on the thread that ends the run. */
    void resume() {
      try {
        laneRunner.execute(this::next);
      } catch (RejectedExecutionException e) {
        lanesDone.countDown(); // the run is over
      }
    }

    void next() {
      int synchronous = 0;
      while (true) {
        if (synchronous == SYNCHRONOUS_BURST) {
          resume(); // let the other lanes have their turn
          return;
        }
        long index = claim();
        if (index == STOP) {
          lanesDone.countDown();
          return;
        }
        long start = System.nanoTime();
        CompletableFuture<Outcome> f = begin(random);
        if (f.isDone()) {
          complete(start, index, f);
          if (backedOff(f)) return;
          synchronous++;
          continue;
        }
        f.whenCompleteAsync((o, e) -> {
          complete(start, index, f);
          if (!backedOff(f)) next();
        }, DIRECT);
        return;
      }
    }

    /** After a refusal for overload the lane starts again later; spinning on refusals starves the node. */
    private boolean backedOff(CompletableFuture<Outcome> f) {
      if (f.isCompletedExceptionally() || plan.overloadBackoff().isZero()) return false;
      Outcome o = f.join();
      if (o == null || !OVERLOADED.equals(o.reason())) return false;
      try {
        scheduler.schedule(this::resume, plan.overloadBackoff().toNanos(), TimeUnit.NANOSECONDS);
        return true;
      } catch (RejectedExecutionException e) {
        return false; // the run is over: next() finds STOP at once
      }
    }
  }

  private static final String OVERLOADED = "overloaded";
  /** Answers given at once (refusals) a lane handles in a row before it yields the lane thread. */
  private static final int SYNCHRONOUS_BURST = 64;

  /**
   * Runs a continuation on the completing thread. Never the default async executor: a Scala-backed stage
   * (Pekko's ask) turns plain {@code whenComplete} into {@code whenCompleteAsync}, and with fewer than three
   * CPUs the JDK's default async executor starts a new thread per task.
   */
  private static final Executor DIRECT = Runnable::run;

  private static final long STOP = -2;
  private static final long WARMUP = -1;

  /** The measured index of the next operation, {@link #WARMUP}, or {@link #STOP}. */
  private long claim() {
    Phase p = phase;
    if (p == Phase.STOP) return STOP;
    if (p == Phase.WARMUP) return WARMUP;
    long i = measuredIssued.getAndIncrement();
    if (plan.count() != null && i >= plan.count()) return STOP;
    return i;
  }

  // ---- open loop ----

  private void openLoop(Executor senders) {
    SplittableRandom random = new SplittableRandom(plan.seed());
    long interval = Math.max(1, 1_000_000_000L / plan.rate());
    long next = System.nanoTime();
    while (true) {
      long now = System.nanoTime();
      if (now < next) {
        LockSupport.parkNanos(next - now);
        continue;
      }
      long intended = next;
      next += interval;
      long index = claim();
      if (index == STOP) return;
      if (outstanding.get() >= plan.maxOutstanding()) {
        Outcome skipped = Outcome.failed("generator_backlog");
        all.add(skipped);
        if (index >= 0) measured.add(skipped);
        continue;
      }
      // counted here, not by the sender: the pool's queue is part of what is outstanding
      outstanding.incrementAndGet();
      SplittableRandom own = random.split();
      senders.execute(() -> {
        CompletableFuture<Outcome> f = start(own);
        f.whenCompleteAsync((o, e) -> complete(intended, index, f), DIRECT);
      });
    }
  }

  // ---- both ----

  private CompletableFuture<Outcome> begin(SplittableRandom random) {
    outstanding.incrementAndGet();
    return start(random);
  }

  private CompletableFuture<Outcome> start(SplittableRandom random) {
    try {
      return operation.start(seq.getAndIncrement(), random).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Outcome.failed("harness_" + e.getClass().getSimpleName()));
    }
  }

  private void complete(long start, long index, CompletableFuture<Outcome> f) {
    Outcome o;
    try {
      o = f.join();
      if (o == null) o = Outcome.failed("no_outcome");
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      o = Outcome.failed(cause.getClass().getSimpleName());
    }
    if (sealed) return;
    long end = o.endNanos() != 0 ? o.endNanos() : System.nanoTime();
    long micros = Math.max(1, (end - start) / 1_000);
    all.add(o);
    progressRecorder.recordValue(micros);
    progressDone.increment();
    if (index >= 0) {
      measured.add(o);
      measuredRecorder.recordValue(micros);
      lastEnd.accumulate(end);
      boolean firstHalf = plan.count() != null
          ? index < plan.count() / 2
          : start - measureStart < plan.duration().toNanos() / 2;
      if (firstHalf) {
        firstHalfSum.add(micros / 1_000.0);
        firstHalfN.increment();
      } else {
        secondHalfSum.add(micros / 1_000.0);
        secondHalfN.increment();
      }
    }
    outstanding.decrementAndGet();
  }

  private static void sleepUntil(long deadline) throws InterruptedException {
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) return;
      TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
    }
  }

  /** Prints one line per interval: phase, rate and latency of the interval, counts so far. */
  private final class ProgressLine implements Runnable {
    private final long started;
    private long lastAt;
    private long lastDone;
    private Histogram reuse;

    ProgressLine(long started) {
      this.started = started;
      this.lastAt = started;
    }

    @Override
    public void run() {
      try {
        long now = System.nanoTime();
        long done = progressDone.sum();
        reuse = progressRecorder.getIntervalHistogram(reuse);
        double seconds = (now - lastAt) / 1e9;
        double rate = seconds <= 0 ? 0 : (done - lastDone) / seconds;
        lastAt = now;
        lastDone = done;
        Counts c = all.snapshot();
        out.printf("  %-3s %-8s %5.0fs %10s/s  p50 %7.2f ms  p99 %7.2f ms  max %8.2f ms"
                + "  accepted %,d rejected %,d held %,d failed %,d%n",
            plan.label(), phase.name().toLowerCase(java.util.Locale.ROOT), (now - started) / 1e9,
            String.format("%,.0f", rate), ms(reuse, 50), ms(reuse, 99), reuse.getMaxValue() / 1_000.0,
            c.accepted(), c.rejected(), c.held(), c.failed());
        out.flush();
      } catch (RuntimeException e) {
        out.println("  progress line failed: " + e);
      }
    }
  }

  static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1_000.0;
  }

  /** Process CPU, GC and wall clock at one instant. */
  private record ResourceUse(long wallNanos, long cpuNanos, long gcCount, long gcMillis) {
    static ResourceUse now() {
      long count = 0;
      long millis = 0;
      for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
        count += Math.max(0, gc.getCollectionCount());
        millis += Math.max(0, gc.getCollectionTime());
      }
      return new ResourceUse(System.nanoTime(), Machine.processCpuNanos(), count, millis);
    }
  }
}
