package dev.agentbus.node.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket per key id, in this node's memory: each node enforces the limit on its own, so a
 * client spread over N nodes may reach N times the rate. Buckets of idle keys are dropped; a dropped
 * bucket comes back full, which is what an idle bucket would have become anyway.
 */
final class RateLimiter {
  private final double perSecond;
  private final int burst;
  private final LongSupplier nanoTime;
  private final Cache<String, Bucket> buckets;

  RateLimiter(AuthSettings settings, LongSupplier nanoTime) {
    this.perSecond = settings.perSecond();
    this.burst = settings.burst();
    this.nanoTime = nanoTime;
    // idle this long, a bucket is full again: forgetting it changes nothing
    Duration refill = Duration.ofMillis((long) Math.ceil(burst / perSecond * 1000));
    this.buckets = Caffeine.newBuilder()
        .maximumSize(settings.maxTrackedKeys())
        .expireAfterAccess(refill.compareTo(Duration.ofMinutes(1)) > 0 ? refill : Duration.ofMinutes(1))
        .build();
  }

  /** 0 when the request may go ahead, else the whole seconds (at least 1) until it could. */
  int acquire(String keyId) {
    long now = nanoTime.getAsLong();
    return buckets.get(keyId, k -> new Bucket(burst, now)).take(now, perSecond, burst);
  }

  private static final class Bucket {
    private double tokens;
    private long updated;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updated = now;
    }

    synchronized int take(long now, double perSecond, int burst) {
      tokens = Math.min(burst, tokens + Math.max(0, now - updated) / 1e9 * perSecond);
      updated = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      // an integer, as both SDKs parse Retry-After with int()
      return (int) Math.max(1, Math.ceil((1 - tokens) / perSecond));
    }
  }
}
