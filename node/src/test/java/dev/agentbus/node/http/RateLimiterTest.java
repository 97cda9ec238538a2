package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket on a clock that moves only when the test says so. */
class RateLimiterTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private RateLimiter limiter(double perSecond, int burst) {
    return new RateLimiter(new AuthSettings(true, false, perSecond, burst, 1000), nanos::get);
  }

  private void advanceMillis(long millis) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void allowsTheBurstThenAsksForWholeSeconds() {
    RateLimiter limiter = limiter(0.5, 3);

    assertEquals(0, limiter.acquire("k"));
    assertEquals(0, limiter.acquire("k"));
    assertEquals(0, limiter.acquire("k"));
    assertEquals(2, limiter.acquire("k"), "one token takes 2 s at 0.5/s");
  }

  @Test
  void refillsAtTheConfiguredRate() {
    RateLimiter limiter = limiter(10, 1);
    assertEquals(0, limiter.acquire("k"));
    assertEquals(1, limiter.acquire("k"), "never less than 1 s");

    advanceMillis(100);

    assertEquals(0, limiter.acquire("k"));
  }

  @Test
  void neverRefillsBeyondTheBurst() {
    RateLimiter limiter = limiter(1, 2);
    advanceMillis(60_000);

    assertEquals(0, limiter.acquire("k"));
    assertEquals(0, limiter.acquire("k"));
    assertEquals(1, limiter.acquire("k"));
  }

  @Test
  void limitsEachKeyOnItsOwn() {
    RateLimiter limiter = limiter(0.25, 1);

    assertEquals(0, limiter.acquire("a"));
    assertEquals(4, limiter.acquire("a"));
    assertEquals(0, limiter.acquire("b"));
  }
}
