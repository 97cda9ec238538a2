package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.assertZ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.node.http.TestNode.Reply;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What every answer shares (contract 1.4-1.9): the envelope, ids, status mapping of unmatched requests. */
class TransportTest {

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
  void healthAnswersWithoutAnyHeaders() throws Exception {
    HttpResponse<String> raw = node.client.send(HttpRequest.newBuilder(node.uri("/health")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    Reply r = new Reply(raw.statusCode(), TestNode.parseOrNull(raw.body()), raw.headers(), raw.body());

    assertEquals(200, r.status(), r::toString);
    assertEnvelope(r);
    JsonNode data = r.data();
    assertEquals("healthy", data.get("status").asText());
    assertTrue(data.get("version").isTextual());
    assertZ(data.get("timestamp").asText());
    assertEquals(HASH, data.get("constitutionalHash").asText());
    assertEquals(data.get("version").asText(), r.body().get("version").asText(), "Python reads the top level");
    assertEquals("application/json", raw.headers().firstValue("Content-Type").orElse(""));
  }

  @Test
  void unknownPathsAre404Envelopes() {
    assertError(node.get("/nothing-here"), 404, "not_found");
    assertError(node.get("/api/v1/nothing-here"), 404, "not_found");
    assertError(node.get("/api/v1/agents/x/y/z"), 404, "not_found");
  }

  @Test
  void aWrongMethodIs405Envelope() {
    Reply r = node.send("PUT", "/api/v1/agents/" + UUID.randomUUID() + "/heartbeat", "{}");

    assertError(r, 405, "method_not_allowed");
    assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
  }

  @Test
  void theRequestIdEchoesAClientUuidOrIsFresh() {
    String mine = UUID.randomUUID().toString();
    assertEquals(mine, node.get("/api/v1/agents", "X-Request-ID", mine).body().get("requestId").asText());
    assertEquals(mine, node.get("/nothing", "X-Request-ID", mine).body().get("requestId").asText());

    Reply r = node.get("/api/v1/agents", "X-Request-ID", "not-a-uuid");
    assertEnvelope(r);
    assertNotEquals("not-a-uuid", r.body().get("requestId").asText());
  }

  @Test
  void everyAnswerCarriesTheHashHeader() {
    Reply r = node.get("/health");

    assertEquals(HASH, r.headers().firstValue("X-Constitutional-Hash").orElse(""));
  }

  @Test
  void aChunkedBodyOverTheLimitIs413() throws Exception {
    byte[] big = ("{\"name\":\"" + "x".repeat(300 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(node.uri("/api/v1/agents/register"))
        .header("Content-Type", "application/json")
        // an input stream of unknown length is sent chunked, without a Content-Length
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)))
        .build();
    HttpResponse<String> raw = node.client.send(request, HttpResponse.BodyHandlers.ofString());

    assertError(new Reply(raw.statusCode(), TestNode.parseOrNull(raw.body()), raw.headers(), raw.body()), 413,
        "body_too_large");
  }

  @Test
  void theOpenApiDescriptionIsServedAndMatchesTheDocs() throws Exception {
    Reply r = node.get("/openapi.yaml");

    assertEquals(200, r.status());
    assertTrue(r.raw().startsWith("openapi: 3.1"), () -> r.raw().substring(0, Math.min(80, r.raw().length())));
    Path docs = Path.of("..", "docs", "openapi.yaml");
    assertEquals(Files.readString(docs), r.raw(), "node/src/main/resources/openapi.yaml must equal docs/openapi.yaml");
  }
}
