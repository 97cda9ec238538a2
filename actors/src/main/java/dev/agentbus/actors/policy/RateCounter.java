package dev.agentbus.actors.policy;

import java.time.Duration;
import java.time.Instant;

/**
 * Counts events per key over a sliding window; the source of {@code context.senderRate} and
 * {@code context.tenantRate}. Local to one node: a sender spread over three nodes is counted on each.
 */
public interface RateCounter {

  Duration window();

  /** Counts one event for {@code key} at {@code now}; returns the count in the window, this one included. */
  long increment(String key, Instant now);

  /** The count in the window ending at {@code now}, counting nothing (for dry runs). */
  long count(String key, Instant now);

  /** 60 s in 12 buckets of 5 s, at most 100,000 keys: about 200 bytes a key. */
  static RateCounter inMemory() {
    return inMemory(Duration.ofSeconds(60), 12, 100_000);
  }

  /**
   * @param buckets the window is split into this many buckets, so a count is exact to one bucket's width
   * @param maxKeys beyond it the least useful keys are dropped (their counts restart from zero)
   */
  static RateCounter inMemory(Duration window, int buckets, long maxKeys) {
    return new SlidingWindowCounter(window, buckets, maxKeys);
  }
}
