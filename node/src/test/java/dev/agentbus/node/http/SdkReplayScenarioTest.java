package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent part of the SDK contract's replay scenario (section 6), in its order, with the requests the
 * TS SDK builds: health, register A and B, heartbeat A, A sends a high-priority command to B, A
 * broadcasts an event, B reads its unread commands and acks, list agents, get A, unregister.
 */
class SdkReplayScenarioTest {

  private static TestNode node;
  private static final OpenApiContract contract = OpenApiContract.load();

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private final List<String> problems = new ArrayList<>();

  private TestNode.Reply checked(String method, String template, TestNode.Reply r) {
    TestNode.assertEnvelope(r);
    problems.addAll(contract.check(method, template, r.status(), r.body()));
    return r;
  }

  @Test
  void replaysTheSdkAgentFlow() {
    String tenant = "replay-" + UUID.randomUUID();
    TestNode.Reply health = checked("GET", "/health", node.get("/health"));
    assertEquals(200, health.status());
    assertEquals("healthy", health.data().get("status").asText());

    String a = node.register("Deployment Agent", tenant, java.util.Map.of());
    String b = node.register("Worker Agent", tenant, java.util.Map.of());

    ObjectNode beat = TestNode.object().put("timestamp", Instant.now().toString())
        .put("constitutionalHash", TestNode.HASH);
    assertEquals(200, checked("POST", "/api/v1/agents/{agentId}/heartbeat",
        node.post("/api/v1/agents/" + a + "/heartbeat", beat, "X-Tenant-ID", tenant)).status());

    // sendCommand(B, "deploy", {...}, {priority: high})
    ObjectNode command = TestNode.command(a, b, "deploy").put("priority", "high");
    TestNode.Reply sent = checked("POST", "/api/v1/agents/{agentId}/messages",
        node.sendMessage(a, command, "X-Tenant-ID", tenant));
    assertEquals(201, sent.status(), sent::toString);
    String commandId = sent.data().get("id").asText();

    // broadcastEvent("deployment.started", {...}): no target
    ObjectNode eventPayload = TestNode.object().put("eventType", "deployment.started");
    eventPayload.putObject("data").put("version", "1.2.3");
    TestNode.Reply broadcast = checked("POST", "/api/v1/agents/{agentId}/messages",
        node.sendMessage(a, TestNode.message("event", a, null, eventPayload), "X-Tenant-ID", tenant));
    assertEquals(201, broadcast.status(), broadcast::toString);

    TestNode.Reply unread = checked("GET", "/api/v1/agents/{agentId}/messages", node.get(
        "/api/v1/agents/" + b + "/messages?page=1&pageSize=10&unreadOnly=true&type=command", "X-Tenant-ID", tenant));
    assertEquals(200, unread.status());
    JsonNode items = unread.data().get("data");
    assertEquals(1, items.size(), unread::toString);
    assertEquals(commandId, items.get(0).get("id").asText());
    assertEquals(200, checked("POST", "/api/v1/agents/{agentId}/messages/{messageId}/ack",
        node.post("/api/v1/agents/" + b + "/messages/" + commandId + "/ack", null, "X-Tenant-ID", tenant)).status());
    TestNode.Reply afterAck = node.get("/api/v1/agents/" + b + "/messages?unreadOnly=true", "X-Tenant-ID", tenant);
    assertEquals(1, afterAck.data().get("total").asInt(), "only the broadcast event is still unread");

    TestNode.Reply list = checked("GET", "/api/v1/agents",
        node.get("/api/v1/agents?page=1&pageSize=50", "X-Tenant-ID", tenant));
    assertEquals(2, list.data().get("total").asInt());
    assertEquals(a, checked("GET", "/api/v1/agents/{agentId}",
        node.get("/api/v1/agents/" + a, "X-Tenant-ID", tenant)).data().get("id").asText());
    assertEquals(200, checked("DELETE", "/api/v1/agents/{agentId}",
        node.delete("/api/v1/agents/" + a, "X-Tenant-ID", tenant)).status());
    assertEquals(404, node.get("/api/v1/agents/" + a, "X-Tenant-ID", tenant).status());
    assertTrue(problems.isEmpty(), problems::toString);
  }
}
