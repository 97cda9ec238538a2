package dev.agentbus.actors.ledger;

import java.time.Duration;

/**
 * When a ledger partition writes what it has buffered. A durable write costs about the same CPU whatever
 * its size (an H2 commit 300-400 µs), so a steady stream of arrivals written as soon as they come makes
 * batches of one or two, and the commits alone can use up the CPU (docs/benchmarks.md). Waiting a short
 * time gathers a batch; under a sequential load it would only add latency. So the adaptive policy waits
 * only when both signs of a concurrent stream are there: recent writes found more than one entry waiting,
 * and entries arrive fast enough that at least two more are due within the wait. Not thread-safe: one
 * partition, one policy.
 */
public interface FlushPolicy {

  /** Notes an entry arriving at {@code nanoTime}. */
  void arrived(long nanoTime);

  /** How long to wait before writing {@code buffered} entries; 0 writes now. */
  long lingerNanos(int buffered);

  /** Whether {@code buffered} entries are enough to end a wait early. */
  boolean full(int buffered);

  /** Always writes at once: one write in flight, the next holds whatever arrived meanwhile. */
  static FlushPolicy immediate() {
    return new FlushPolicy() {
      @Override
      public void arrived(long nanoTime) {}

      @Override
      public long lingerNanos(int buffered) {
        return 0;
      }

      @Override
      public boolean full(int buffered) {
        return true;
      }
    };
  }

  /**
   * Waits up to {@code linger} for {@code targetBatch} entries when a concurrent stream is seen;
   * {@code linger} 0 is {@link #immediate()}.
   */
  static FlushPolicy adaptive(Duration linger, int targetBatch) {
    if (linger.isNegative()) throw new IllegalArgumentException("linger must not be negative: " + linger);
    if (targetBatch < 1) throw new IllegalArgumentException("target batch must be at least 1: " + targetBatch);
    if (linger.isZero()) return immediate();
    return new Adaptive(linger.toNanos(), targetBatch);
  }

  /** Exponentially weighted averages (weight 1/8 for the newest value) of arrival gaps and batch sizes. */
  final class Adaptive implements FlushPolicy {
    // A batch average above this means writes found company; exactly 1.0 is a sequential caller.
    private static final double CONCURRENT_BATCH = 1.2;
    private static final double WEIGHT = 0.125;

    private final long lingerNanos;
    private final int targetBatch;
    private long lastArrival = Long.MIN_VALUE;
    private double gapNanos = Double.MAX_VALUE;
    private double batch = 1.0;

    private Adaptive(long lingerNanos, int targetBatch) {
      this.lingerNanos = lingerNanos;
      this.targetBatch = targetBatch;
    }

    @Override
    public void arrived(long nanoTime) {
      if (lastArrival != Long.MIN_VALUE) {
        double gap = Math.max(0, nanoTime - lastArrival);
        gapNanos = gapNanos == Double.MAX_VALUE ? gap : gapNanos + WEIGHT * (gap - gapNanos);
      }
      lastArrival = nanoTime;
    }

    @Override
    public long lingerNanos(int buffered) {
      batch += WEIGHT * (buffered - batch);
      if (buffered >= targetBatch || batch <= CONCURRENT_BATCH || 2 * gapNanos > lingerNanos) return 0;
      return lingerNanos;
    }

    @Override
    public boolean full(int buffered) {
      return buffered >= targetBatch;
    }
  }
}
