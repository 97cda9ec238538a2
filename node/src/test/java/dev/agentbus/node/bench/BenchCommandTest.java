package dev.agentbus.node.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The harness end to end on a small in-memory run. No timing is asserted: only shape and the loss check. */
class BenchCommandTest {

  private static final List<String> REQUIRED = List.of("workload", "throughputPerSec", "p50Ms", "p99Ms", "p999Ms",
      "maxMs", "accepted", "rejected", "held", "failed", "lost", "baselinePerSec");

  @Test
  void runsW1AndW3AndLosesNothing(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("result.json");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new BenchCommand()).execute("--workload", "W1", "--workload", "W3",
          "--count", "200", "--warmup", "0s", "--in-flight", "8", "--agents", "20", "--db", "h2-mem",
          "--json", json.toString());
    } finally {
      System.setOut(original);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, () -> "exit code; the harness printed:\n" + output);

    JsonNode root = new ObjectMapper().readTree(json.toFile());
    JsonNode machine = root.get("machine");
    assertTrue(machine.get("cpus").asInt() >= 1);
    assertTrue(machine.get("jvm").asText().length() > 0);
    assertTrue(machine.get("database").asText().startsWith("H2_MEMORY"));

    JsonNode results = root.get("results");
    assertEquals(2, results.size());
    assertEquals("W1", results.get(0).get("workload").asText());
    assertEquals("W3", results.get(1).get("workload").asText());
    for (JsonNode r : results) {
      for (String key : REQUIRED) assertTrue(r.has(key), () -> r.get("workload") + " lacks " + key);
      assertEquals(0, r.get("lost").asLong(), () -> "lost in " + r);
      assertTrue(r.get("verified").asBoolean(), () -> "not verified: " + r);
      assertEquals(200, r.get("accepted").asLong() + r.get("rejected").asLong() + r.get("held").asLong()
          + r.get("failed").asLong(), () -> "200 measured sends in " + r);
      assertEquals(0, r.get("rejected").asLong(), () -> "rejections in " + r);
      assertEquals(r.get("accepted").asLong(), r.get("persisted").asLong());
      assertEquals(r.get("accepted").asLong(), r.get("readable").asLong());
      assertTrue(r.get("baselinePerSec").isNumber(), "a baseline was measured");
    }
    assertTrue(output.contains("Loss check: passed"), output);
  }

  @Test
  void runsW7OverHttpAndLosesNothing(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("w7.json");
    int code = new CommandLine(new BenchCommand()).execute("--workload", "W7", "--count", "300", "--warmup", "0s",
        "--connections", "6", "--agents", "12", "--db", "h2-mem", "--baseline-duration", "0s",
        "--json", json.toString());
    assertEquals(0, code);
    JsonNode r = new ObjectMapper().readTree(json.toFile()).get("results").get(0);
    assertEquals("W7", r.get("workload").asText());
    assertEquals(300, r.get("accepted").asLong(), r::toString);
    assertEquals(0, r.get("lost").asLong(), r::toString);
    assertTrue(r.get("verified").asBoolean(), r::toString);
  }

  @Test
  void memoryCheckRegistersTheAgentsWakesEachAndReportsTheHeap(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("memory.json");
    int code = new CommandLine(new BenchCommand()).execute("--memory", "30", "--memory-wait", "0s",
        "--db", "h2-mem", "--json", json.toString());
    assertEquals(0, code);
    JsonNode memory = new ObjectMapper().readTree(json.toFile()).get("memory");
    assertEquals(30, memory.get("agents").asInt());
    // every agent was registered and sent one message, so each entity was awake at the first count
    assertTrue(memory.get("entitiesAwake").asLong() >= 30, memory::toString);
    assertTrue(memory.get("heapAwakeMb").asLong() > 0, memory::toString);
    assertTrue(memory.has("heapIdleMb"), memory::toString);
  }

  @Test
  void refusesAnUnknownWorkload() {
    int code = new CommandLine(new BenchCommand()).execute("--workload", "W9");
    assertNotEquals(0, code);
  }

  @Test
  void parsesDurations() {
    assertEquals(30_000, Durations.parse("30s").toMillis());
    assertEquals(500, Durations.parse("500ms").toMillis());
    assertEquals(120_000, Durations.parse("2m").toMillis());
    assertEquals(0, Durations.parse("0s").toMillis());
    assertEquals(5_000, Durations.parse("5").toMillis());
  }

  @Test
  void classifiesHttpAnswers() {
    String accepted = "{\"success\":true,\"data\":{\"id\":\"x\",\"metadata\":{\"governance.impactScore\":\"0.2\","
        + "\"governance.status\":\"accepted\"}}}";
    assertEquals(Outcome.Kind.ACCEPTED, HttpWorkload.classify(201, accepted).kind());
    String held = accepted.replace("\"accepted\"", "\"pending_deliberation\"");
    assertEquals(Outcome.Kind.HELD, HttpWorkload.classify(201, held).kind());
    Outcome denied = HttpWorkload.classify(403, "{\"success\":false,\"error\":{\"code\": \"tenant_mismatch\"}}");
    assertEquals(Outcome.Kind.REJECTED, denied.kind());
    assertEquals("tenant_mismatch", denied.reason());
    assertEquals(Outcome.Kind.REJECTED, HttpWorkload.classify(429, "").kind());
    assertEquals(Outcome.Kind.FAILED, HttpWorkload.classify(500, "").kind());
  }
}
