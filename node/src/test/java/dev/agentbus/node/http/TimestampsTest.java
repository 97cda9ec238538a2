package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Client timestamps in every form the SDKs and their examples send (contract 1.3). */
class TimestampsTest {

  @Test
  void typescriptAndPythonFormsMeanTheSameInstant() {
    Instant ts = Timestamps.parse("2026-01-15T10:00:00.123Z").orElseThrow();
    Instant py = Timestamps.parse("2026-01-15T10:00:00.123000+00:00").orElseThrow();

    assertEquals(ts, py);
    assertEquals("2026-01-15T10:00:00.123Z", py.toString());
  }

  @Test
  void otherOffsetsAreNormalisedToUtc() {
    assertEquals(Instant.parse("2026-01-15T08:00:00Z"), Timestamps.parse("2026-01-15T10:00:00+02:00").orElseThrow());
  }

  @Test
  void naiveDateTimesAndPlainDatesAreUtc() {
    assertEquals(Instant.parse("2026-01-15T10:00:00Z"), Timestamps.parse("2026-01-15T10:00:00").orElseThrow());
    assertEquals(Instant.parse("2026-01-15T00:00:00Z"), Timestamps.parse("2026-01-15").orElseThrow());
  }

  @Test
  void anythingElseIsNotATimestamp() {
    assertTrue(Timestamps.parse("yesterday").isEmpty());
    assertTrue(Timestamps.parse("").isEmpty());
    assertTrue(Timestamps.parse(null).isEmpty());
  }
}
