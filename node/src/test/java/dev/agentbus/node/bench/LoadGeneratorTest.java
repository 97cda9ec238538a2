package dev.agentbus.node.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static LoadGenerator.Plan closedLoop(int lanes, Duration backoff) {
    return new LoadGenerator.Plan("test", lanes, null, Duration.ZERO, Duration.ofMillis(300), null,
        Duration.ofSeconds(10), 42, Duration.ofMillis(100), Integer.MAX_VALUE, backoff);
  }

  /** Refuses every send at once with {@code reason}, counting the calls. */
  private static Operation refusing(String reason, AtomicLong calls) {
    return (seq, random) -> {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture(Outcome.rejected(reason));
    };
  }

  @Test
  void aLaneRefusedForOverloadWaitsBeforeItsNextSend() throws Exception {
    AtomicLong calls = new AtomicLong();
    Operation refused = refusing("overloaded", calls);
    // a back-off far longer than the run: each lane sends once
    LoadGenerator.Result r = new LoadGenerator(closedLoop(3, Duration.ofHours(1)), refused, QUIET).run();
    assertEquals(3, calls.get());
    assertEquals(3, r.all().rejected());
    assertEquals(0, r.all().accepted());
  }

  @Test
  void otherRefusalsDoNotSlowALane() throws Exception {
    AtomicLong calls = new AtomicLong();
    Operation denied = refusing("maci_role_violation", calls);
    LoadGenerator.Result r = new LoadGenerator(closedLoop(3, Duration.ofHours(1)), denied, QUIET).run();
    assertTrue(calls.get() > 3, "lanes kept sending: " + calls.get());
    assertEquals(calls.get(), r.all().rejected());
  }
}
