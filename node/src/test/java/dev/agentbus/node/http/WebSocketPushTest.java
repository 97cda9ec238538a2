package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertAgentMessage;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /ws}: deliveries pushed as bare AgentMessage frames, and resume from the ack cursor. */
class WebSocketPushTest {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A subscriber like the TS SDK: no headers, never sends a frame, collects text frames. */
  private static final class Subscriber implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    final WebSocket socket;

    Subscriber(String path) {
      try {
        URI uri = URI.create("ws://127.0.0.1:" + node.port + path);
        this.socket = node.client.newWebSocketBuilder().buildAsync(uri, this).get(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("WebSocket did not open", e);
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        frames.add(TestNode.parseOrNull(partial.toString()));
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    JsonNode next() {
      try {
        JsonNode frame = frames.poll(20, TimeUnit.SECONDS);
        assertNotNull(frame, "no frame arrived");
        return frame;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }
  }

  private static String sendCommand(String from, String to, String what) {
    TestNode.Reply r = node.sendMessage(from, command(from, to, what));
    assertEquals(201, r.status(), r::toString);
    return r.data().get("id").asText();
  }

  @Test
  void deliveriesArriveAsBareAgentMessageFrames() {
    String a = node.register("Pusher");
    String b = node.register("Subscriber");
    Subscriber sub = new Subscriber("/ws?agentId=" + b + "&hash=" + HASH);
    try {
      String id = sendCommand(a, b, "deploy");

      JsonNode frame = sub.next();
      assertAgentMessage(frame);
      assertEquals(id, frame.get("id").asText());
      assertEquals("command", frame.get("type").asText());
      assertEquals(a, frame.get("sourceAgentId").asText());
      assertFalse(frame.has("success") || frame.has("data"), "a frame is not enveloped");
      assertFalse(frame.has("status"), "a frame carries nothing beyond the SDK's AgentMessage");
    } finally {
      sub.close();
    }
  }

  @Test
  void aReconnectResumesFromTheAckCursor() {
    String a = node.register("Resumer sender");
    String b = node.register("Resumer");
    Subscriber first = new Subscriber("/ws?agentId=" + b + "&hash=" + HASH);
    String m1 = sendCommand(a, b, "one");
    assertEquals(m1, first.next().get("id").asText());
    first.close();

    String m2 = sendCommand(a, b, "two");
    // the SDK path form and the TS client's blind second '?' both work
    Subscriber second = new Subscriber("/api/v1/ws?x=1?agentId=" + b + "&hash=" + HASH);
    Set<String> replayed = new HashSet<>();
    replayed.add(second.next().get("id").asText());
    replayed.add(second.next().get("id").asText());
    assertEquals(Set.of(m1, m2), replayed, "both unacknowledged messages come again, nothing else");
    second.close();

    for (String id : new String[] {m1, m2}) {
      assertEquals(200, node.post("/api/v1/agents/" + b + "/messages/" + id + "/ack", null).status());
    }
    Subscriber third = new Subscriber("/ws?agentId=" + b);
    try {
      String m3 = sendCommand(a, b, "three");
      assertEquals(m3, third.next().get("id").asText(), "acknowledged messages are not replayed");
    } finally {
      third.close();
    }
  }

  @Test
  void aTenantedAgentCanSubscribeWithoutHeadersLikeABrowser() {
    String tenant = "tenant-" + UUID.randomUUID();
    String a = node.register("Tenant pusher", tenant, Map.of());
    String b = node.register("Tenant subscriber", tenant, Map.of());
    Subscriber sub = new Subscriber("/ws?agentId=" + b + "&hash=" + HASH);
    try {
      TestNode.Reply r = node.sendMessage(a, command(a, b, "deploy"), "X-Tenant-ID", tenant);
      assertEquals(201, r.status(), r::toString);
      assertEquals(r.data().get("id").asText(), sub.next().get("id").asText());
    } finally {
      sub.close();
    }
  }

  @Test
  void handshakeRefusalsAreEnvelopes() {
    String b = node.register("Handshake");
    assertError(node.get("/ws?agentId=" + UUID.randomUUID() + "&hash=" + HASH), 404, "agent_not_found");
    assertError(node.get("/ws?agentId=undefined&hash=" + HASH), 404, "agent_not_found");
    assertError(node.get("/ws?agentId=" + b + "&hash=feedfacefeedface"), 422, "constitutional_hash_mismatch");
    assertError(node.get("/ws?hash=" + HASH), 400, "invalid_query_parameter");
    TestNode.Reply plain = node.get("/ws?agentId=" + b);
    assertEquals(400, plain.status(), plain::toString);
    TestNode.assertEnvelope(plain);
    assertTrue(plain.errorCode() != null, "an HTTP GET that is not an upgrade gets an error envelope");
  }
}
