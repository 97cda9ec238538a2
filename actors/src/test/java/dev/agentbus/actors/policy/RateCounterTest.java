package dev.agentbus.actors.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RateCounterTest {

  private static final Instant T0 = Instant.parse("2025-06-02T12:00:00Z");

  @Test
  void countsWithinTheWindowAndForgetsAfterIt() {
    RateCounter c = RateCounter.inMemory();
    assertEquals(1, c.increment("a", T0));
    assertEquals(2, c.increment("a", T0.plusSeconds(1)));
    assertEquals(3, c.increment("a", T0.plusSeconds(20)));
    assertEquals(3, c.count("a", T0.plusSeconds(30)));
    assertEquals(1, c.count("a", T0.plusSeconds(65)), "only the one at +20 s is left");
    assertEquals(0, c.count("a", T0.plusSeconds(90)));
    assertEquals(1, c.increment("a", T0.plusSeconds(120)));
  }

  @Test
  void countingDoesNotIncrementAndKeysAreSeparate() {
    RateCounter c = RateCounter.inMemory();
    c.increment("a", T0);
    assertEquals(1, c.count("a", T0));
    assertEquals(1, c.count("a", T0));
    assertEquals(0, c.count("b", T0));
    assertEquals(Duration.ofSeconds(60), c.window());
  }

  @Test
  void theNumberOfKeysIsBounded() {
    SlidingWindowCounter c = new SlidingWindowCounter(Duration.ofSeconds(60), 12, 10);
    for (int i = 0; i < 1000; i++) c.increment("k" + i, T0);
    assertTrue(c.trackedKeys() <= 10, "tracked " + c.trackedKeys());
  }

  @Test
  void nonsenseSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> RateCounter.inMemory(Duration.ofSeconds(60), 0, 10));
    assertThrows(IllegalArgumentException.class, () -> RateCounter.inMemory(Duration.ofSeconds(60), 12, 0));
  }
}
