package dev.agentbus.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlushPolicyTest {

  private static final long MS = 1_000_000L;
  private static final long US = 1_000L;

  /** Arrivals every {@code gap} nanos, each followed by a flush decision over {@code buffered} entries. */
  private static long stream(FlushPolicy policy, long start, long gap, int count, int buffered) {
    long t = start;
    long last = 0;
    for (int i = 0; i < count; i++) {
      t += gap;
      policy.arrived(t);
      last = policy.lingerNanos(buffered);
    }
    return last;
  }

  @Test
  void immediateNeverWaits() {
    FlushPolicy policy = FlushPolicy.immediate();
    assertEquals(0, stream(policy, 0, 10 * US, 100, 3));
    assertTrue(policy.full(1));
  }

  @Test
  void zeroLingerIsImmediate() {
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ZERO, 16);
    assertEquals(0, stream(policy, 0, 10 * US, 100, 3));
  }

  @Test
  void sequentialSenderNeverWaitsHoweverFast() {
    // one entry per write, even when they come every 10 µs: waiting would gather nothing
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ofMillis(1), 16);
    assertEquals(0, stream(policy, 0, 10 * US, 1000, 1));
  }

  @Test
  void waitsUnderAFastConcurrentStream() {
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ofMillis(1), 16);
    assertEquals(MS, stream(policy, 0, 100 * US, 100, 2));
  }

  @Test
  void doesNotWaitWhenTooFewArrivalsAreDueWithinTheWait() {
    // two entries per write, but one arrival per 600 µs: fewer than two more in 1 ms
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ofMillis(1), 16);
    assertEquals(0, stream(policy, 0, 600 * US, 100, 2));
  }

  @Test
  void doesNotWaitWithAFullBatch() {
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ofMillis(1), 16);
    stream(policy, 0, 10 * US, 100, 8);
    assertEquals(0, policy.lingerNanos(16));
    assertTrue(policy.full(16));
    assertFalse(policy.full(15));
  }

  @Test
  void stopsWaitingWhenTheStreamSlowsDown() {
    FlushPolicy policy = FlushPolicy.adaptive(Duration.ofMillis(1), 16);
    long t = 100 * MS;
    assertEquals(MS, stream(policy, 0, 100 * US, 100, 4));
    assertEquals(0, stream(policy, t, 5 * MS, 20, 1));
  }

  @Test
  void rejectsNonsenseSettings() {
    assertThrows(IllegalArgumentException.class, () -> FlushPolicy.adaptive(Duration.ofMillis(-1), 16));
    assertThrows(IllegalArgumentException.class, () -> FlushPolicy.adaptive(Duration.ofMillis(1), 0));
  }
}
