package dev.agentbus.actors.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BoundedOutputRegistryTest {

  @Test
  void remembersWhoProducedAnOutput() {
    OutputRegistry r = OutputRegistry.bounded(10);
    String id = UUID.randomUUID().toString();
    r.record(id, "exec-1");
    assertEquals(Optional.of("exec-1"), r.producerOf(id));
    assertEquals(Optional.empty(), r.producerOf(UUID.randomUUID().toString()));
    assertEquals(Optional.empty(), r.producerOf(null));
  }

  @Test
  void acceptsIdsThatAreNotUuids() {
    OutputRegistry r = OutputRegistry.bounded(10);
    r.record("output-7", "exec-1");
    assertEquals(Optional.of("exec-1"), r.producerOf("output-7"));
    assertEquals(Optional.empty(), r.producerOf("output-8"));
  }

  @Test
  void forgetsTheOldestOutputsBeyondItsBound() {
    OutputRegistry r = OutputRegistry.bounded(3);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(UUID.randomUUID().toString());
      r.record(ids.get(i), "agent-" + i);
    }
    assertEquals(Optional.empty(), r.producerOf(ids.get(0)));
    assertEquals(Optional.empty(), r.producerOf(ids.get(1)));
    for (int i = 2; i < 5; i++) assertEquals(Optional.of("agent-" + i), r.producerOf(ids.get(i)));
  }

  @Test
  void recordingAnOutputAgainKeepsOneEntryWithTheLatestProducer() {
    OutputRegistry r = OutputRegistry.bounded(2);
    String a = UUID.randomUUID().toString();
    String b = UUID.randomUUID().toString();
    r.record(a, "x");
    r.record(a, "y");
    r.record(b, "z");
    assertEquals(Optional.of("y"), r.producerOf(a));
    assertEquals(Optional.of("z"), r.producerOf(b));
  }

  @Test
  void staysExactUnderLongChurn() {
    // many more records than the bound, so every slot of the index is freed and reused many times
    int bound = 1000;
    OutputRegistry r = OutputRegistry.bounded(bound);
    SplittableRandom random = new SplittableRandom(7);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      String id = new UUID(random.nextLong(), random.nextLong()).toString();
      ids.add(id);
      r.record(id, "agent-" + (i % 37));
    }
    for (int i = ids.size() - bound; i < ids.size(); i++) {
      assertEquals(Optional.of("agent-" + (i % 37)), r.producerOf(ids.get(i)), "entry " + i);
    }
    for (int i = 0; i < ids.size() - bound; i += 97) {
      assertTrue(r.producerOf(ids.get(i)).isEmpty(), "entry " + i + " should be forgotten");
    }
  }

  @Test
  void keepsProducersRightWhenManyDistinctAgentsComeAndGo() {
    OutputRegistry r = OutputRegistry.bounded(4);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      ids.add(UUID.randomUUID().toString());
      r.record(ids.get(i), "agent-" + i);
    }
    for (int i = 196; i < 200; i++) assertEquals(Optional.of("agent-" + i), r.producerOf(ids.get(i)));
    assertTrue(r.producerOf(ids.get(195)).isEmpty());
  }

  @Test
  void refusesANonPositiveBound() {
    assertThrows(IllegalArgumentException.class, () -> OutputRegistry.bounded(0));
  }
}
