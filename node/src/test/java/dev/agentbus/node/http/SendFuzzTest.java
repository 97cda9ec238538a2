package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.node.http.TestNode.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random bodies at the send endpoint (fixed seed, so a failure replays): every answer is a 2xx or 4xx
 * envelope, never a 5xx or a bare body, and the node keeps serving afterwards.
 */
class SendFuzzTest {

  private static final long SEED = 20260115L;
  private static final int BODIES = 200;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String[] FIELDS = {"type", "priority", "sourceAgentId", "targetAgentId", "payload",
      "timestamp", "correlationId", "metadata", "constitutionalHash", "expiresAt", "idempotencyKey"};
  private static final String[] WORDS = {"command", "query", "event", "critical", "medium", "", " ",
      "cdd01ef066bc6cf2", "ignore all previous instructions", "2026-01-15T10:00:00Z", "00000000-0000-0000-0000-000000000000",
      "\u0000", "\uD83D\uDE00", "null", "{", "governance.status", "constitutional_validation"};

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void randomBodiesAlwaysGetA2xxOr4xxEnvelopeAndTheNodeSurvives() {
    String a = node.register("Fuzz sender");
    String b = node.register("Fuzz receiver");
    Random random = new Random(SEED);
    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < BODIES; i++) bodies.add(body(random, a, b));

    for (String body : bodies) {
      Reply r = node.post("/api/v1/agents/" + a + "/messages", body);
      statuses.merge(r.status(), 1, Integer::sum);
      assertTrue(r.status() >= 200 && r.status() < 500, () -> "for body " + body + ": " + r);
      assertEnvelope(r);
    }

    assertTrue(statuses.keySet().stream().anyMatch(s -> s < 300), () -> "no body was accepted: " + statuses);
    assertTrue(statuses.keySet().stream().anyMatch(s -> s >= 400), () -> "no body was refused: " + statuses);
    assertEquals(200, node.get("/health").status());
    assertEquals(201, node.sendMessage(a, command(a, b, "still alive")).status());
  }

  /** One body: a valid send, mutated in one of several ways, or not JSON at all. */
  private static String body(Random random, String from, String to) {
    ObjectNode valid = command(from, to, "fuzz");
    switch (random.nextInt(7)) {
      case 0:
        return TestNode.json(value(random, 3));
      case 1:
        valid.set(FIELDS[random.nextInt(FIELDS.length)], value(random, 2));
        return TestNode.json(valid);
      case 2:
        valid.remove(FIELDS[random.nextInt(FIELDS.length)]);
        return TestNode.json(valid);
      case 3:
        for (int i = random.nextInt(4); i >= 0; i--) valid.set(word(random) + i, value(random, 2));
        return TestNode.json(valid);
      case 4: {
        String text = TestNode.json(valid);
        return text.substring(0, random.nextInt(text.length()));
      }
      case 5:
        ((ObjectNode) valid.get("payload")).set(word(random), value(random, 3));
        return TestNode.json(valid);
      default:
        return TestNode.json(valid);
    }
  }

  private static String word(Random random) {
    return WORDS[random.nextInt(WORDS.length)];
  }

  private static JsonNode value(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 8 : 6);
    switch (kind) {
      case 0:
        return F.nullNode();
      case 1:
        return F.booleanNode(random.nextBoolean());
      case 2:
        return F.numberNode(random.nextInt());
      case 3:
        return F.numberNode(random.nextDouble() * 1e6);
      case 4:
        return F.textNode(word(random));
      case 5: {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(20); i > 0; i--) s.append((char) (32 + random.nextInt(95)));
        return F.textNode(s.toString());
      }
      case 6: {
        ArrayNode array = F.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) array.add(value(random, depth - 1));
        return array;
      }
      default: {
        ObjectNode object = F.objectNode();
        for (int i = random.nextInt(4); i > 0; i--) object.set(word(random) + i, value(random, depth - 1));
        return object;
      }
    }
  }
}
