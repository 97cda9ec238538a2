package dev.agentbus.actors.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A ring of time buckets per key, in a size-bounded Caffeine cache. Thread-safe: each ring has its own
 * lock. Bucket boundaries are aligned to the epoch, so the window is between (window - bucket) and window.
 */
final class SlidingWindowCounter implements RateCounter {

  private final Duration window;
  private final long bucketMillis;
  private final int buckets;
  private final Cache<String, Ring> rings;

  SlidingWindowCounter(Duration window, int buckets, long maxKeys) {
    Objects.requireNonNull(window, "window");
    if (buckets <= 0 || window.toMillis() < buckets) {
      throw new IllegalArgumentException("need 1..window-in-ms buckets, got " + buckets + " for " + window);
    }
    if (maxKeys <= 0) throw new IllegalArgumentException("maxKeys must be positive, got " + maxKeys);
    this.window = window;
    this.buckets = buckets;
    this.bucketMillis = window.toMillis() / buckets;
    // same-thread maintenance: no background work, nothing to shut down
    this.rings = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
  }

  @Override
  public Duration window() {
    return window;
  }

  @Override
  public long increment(String key, Instant now) {
    return rings.get(key, k -> new Ring(buckets)).add(bucketOf(now));
  }

  @Override
  public long count(String key, Instant now) {
    Ring ring = rings.getIfPresent(key);
    return ring == null ? 0 : ring.sum(bucketOf(now));
  }

  /** For tests: how many keys are held now. */
  long trackedKeys() {
    rings.cleanUp();
    return rings.estimatedSize();
  }

  private long bucketOf(Instant now) {
    return Math.floorDiv(now.toEpochMilli(), bucketMillis);
  }

  private static final class Ring {
    private final long[] ids;
    private final long[] counts;

    Ring(int size) {
      ids = new long[size];
      counts = new long[size];
      Arrays.fill(ids, Long.MIN_VALUE);
    }

    synchronized long add(long bucket) {
      int i = (int) Math.floorMod(bucket, (long) ids.length);
      if (ids[i] != bucket) {
        ids[i] = bucket;
        counts[i] = 0;
      }
      counts[i]++;
      return sum(bucket);
    }

    synchronized long sum(long bucket) {
      long total = 0;
      for (int i = 0; i < ids.length; i++) {
        // the buckets in (bucket - size, bucket]: the window ending now
        if (ids[i] > bucket - ids.length && ids[i] <= bucket) total += counts[i];
      }
      return total;
    }
  }
}
