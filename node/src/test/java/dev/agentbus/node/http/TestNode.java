package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.persistence.Database;
import dev.agentbus.persistence.SchemaMigrations;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * One real node for a test class: a single-node cluster on an in-memory H2 journal, the bus, and the
 * HTTP API on a free port, plus a small SDK-like client (it sends the headers the SDKs send).
 */
final class TestNode implements AutoCloseable {
  static final String HASH = "cdd01ef066bc6cf2";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(20);

  final ActorSystem<Void> system;
  final AgentBus bus;
  final int port;
  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private TestNode(ActorSystem<Void> system, AgentBus bus, int port) {
    this.system = system;
    this.bus = bus;
    this.port = port;
  }

  static TestNode start() {
    return start(256 * 1024);
  }

  /** Without API keys: the tenant is the X-Tenant-ID header (the SDK contract tests need no credentials). */
  static TestNode start(long maxBodyBytes) {
    return start(maxBodyBytes, "agentbus.http.auth.enabled = off");
  }

  /** Without API keys, with other settings (HOCON). */
  static TestNode withConfig(String config) {
    return start(256 * 1024, "agentbus.http.auth.enabled = off\n" + config);
  }

  /** With API keys on, plus any other settings; the caller creates the keys it needs. */
  static TestNode withKeys(String config) {
    return start(256 * 1024, "agentbus.http.auth.enabled = on\n" + config);
  }

  private static TestNode start(long maxBodyBytes, String config) {
    Database db = Database.h2Memory("http-" + UUID.randomUUID());
    SchemaMigrations.migrate(db);
    Config cfg = ConfigFactory.parseString(config)
        .withFallback(ConfigFactory.parseString("""
            pekko.remote.artery.canonical.port = 0
            pekko.management.http.port = 0
            agentbus.http.port = 0
            pekko.loglevel = WARNING
            pekko.coordinated-shutdown.exit-jvm = off
            """))
        .withFallback(db.toConfig())
        .withFallback(ConfigFactory.parseResources("agentbus-node.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "AgentBus", cfg);
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    AgentBus bus = AgentBus.get(system);
    HttpSettings settings = HttpSettings.fromConfig(cfg);
    assertEquals(0, settings.port());
    try {
      ServerBinding binding = HttpApi.start(system, bus, new HttpSettings("127.0.0.1", 0, maxBodyBytes))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      InetSocketAddress address = binding.localAddress();
      return new TestNode(system, bus, address.getPort());
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("HTTP API did not start", e);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("actor system did not terminate", e);
    }
  }

  // ---- client ----

  /** An answer: status, parsed body (null when the body is not JSON), headers and raw text. */
  record Reply(int status, JsonNode body, HttpHeaders headers, String raw) {
    JsonNode data() {
      return body.get("data");
    }

    String errorCode() {
      return body.path("error").path("code").asText(null);
    }

    @Override
    public String toString() {
      return status + " " + raw;
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  Reply get(String path, String... headers) {
    return send("GET", path, null, headers);
  }

  Reply post(String path, Object body, String... headers) {
    return send("POST", path, body, headers);
  }

  Reply patch(String path, Object body, String... headers) {
    return send("PATCH", path, body, headers);
  }

  Reply delete(String path, String... headers) {
    return send("DELETE", path, null, headers);
  }

  /**
   * Sends like the SDKs do: JSON content type on every request (bodiless ones included), the hash, SDK
   * and request-id headers. {@code body} is a String (sent as is), any other object (as JSON), or null.
   * {@code headers} are name/value pairs that are added or replace the defaults.
   */
  Reply send(String method, String path, Object body, String... headers) {
    HttpRequest.BodyPublisher publisher;
    if (body == null) publisher = HttpRequest.BodyPublishers.noBody();
    else if (body instanceof String s) publisher = HttpRequest.BodyPublishers.ofString(s);
    else if (body instanceof byte[] b) publisher = HttpRequest.BodyPublishers.ofByteArray(b);
    else publisher = HttpRequest.BodyPublishers.ofString(json(body));
    Map<String, String> all = new java.util.LinkedHashMap<>();
    all.put("Content-Type", "application/json");
    all.put("X-Constitutional-Hash", HASH);
    all.put("X-SDK-Version", "2.0.0");
    all.put("X-SDK-Language", "typescript");
    all.put("X-Request-ID", UUID.randomUUID().toString());
    for (int i = 0; i + 1 < headers.length; i += 2) all.put(headers[i], headers[i + 1]);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).method(method, publisher);
    all.forEach((k, v) -> {
      if (v != null) b.header(k, v);
    });
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), parseOrNull(r.body()), r.headers(), r.body());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode parseOrNull(String text) {
    try {
      return text == null || text.isEmpty() ? null : JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  // ---- agents and messages ----

  /** Registers an agent (optionally in a tenant, with metadata) and waits until the bus routes to it. */
  String register(String name, String tenant, Map<String, String> metadata) {
    ObjectNode body = object().put("name", name).put("type", "worker").put("constitutionalHash", HASH);
    body.putArray("capabilities").add("test");
    ObjectNode meta = body.putObject("metadata");
    metadata.forEach(meta::put);
    Reply r = post("/api/v1/agents/register", body, "X-Tenant-ID", tenant);
    assertEquals(201, r.status(), r::toString);
    String id = r.data().get("id").asText();
    awaitTrue(() -> bus.directory().find(id).isPresent(), "agent " + id + " in the directory");
    return id;
  }

  String register(String name) {
    return register(name, null, Map.of());
  }

  /** A send body as the TS SDK builds it. */
  static ObjectNode message(String type, String from, String to, ObjectNode payload) {
    ObjectNode m = object().put("type", type).put("priority", "normal").put("sourceAgentId", from);
    if (to != null) m.put("targetAgentId", to);
    m.set("payload", payload);
    m.put("timestamp", Instant.now().toString()).put("constitutionalHash", HASH);
    return m;
  }

  static ObjectNode command(String from, String to, String command) {
    ObjectNode payload = object().put("command", command);
    payload.putObject("params").put("env", "staging");
    return message("command", from, to, payload);
  }

  Reply sendMessage(String from, ObjectNode body, String... headers) {
    return post("/api/v1/agents/" + from + "/messages", body, headers);
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return;
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    fail("gave up waiting for " + what);
  }

  // ---- wire format checks ----

  /** Every answer: an envelope object, the hash, a UUID request id, a Z timestamp, and no null (payloads aside). */
  static void assertEnvelope(Reply r) {
    assertNotNull(r.body(), () -> "not JSON: " + r);
    assertTrue(r.body().isObject(), () -> "top level is not an object: " + r);
    assertTrue(r.body().get("success").isBoolean(), r::toString);
    assertEquals(HASH, r.body().get("constitutionalHash").asText(), r::toString);
    assertUuid(r.body().get("requestId").asText());
    assertZ(r.body().get("timestamp").asText());
    assertNoNulls(r.body(), "$");
    if (r.body().get("success").asBoolean()) {
      assertTrue(r.status() == 200 || r.status() == 201, r::toString);
      JsonNode data = r.body().get("data");
      assertNotNull(data, r::toString);
      assertFalse(data.isNull() || data.isMissingNode(), r::toString);
    } else {
      JsonNode error = r.body().get("error");
      assertNotNull(error, r::toString);
      assertTrue(error.get("code").isTextual(), r::toString);
      assertTrue(error.get("message").isTextual(), r::toString);
      assertEquals(HASH, error.get("constitutionalHash").asText(), r::toString);
      assertTrue(r.status() >= 400, r::toString);
    }
  }

  /** An error answer with this status and code. */
  static void assertError(Reply r, int status, String code) {
    assertEquals(status, r.status(), r::toString);
    assertEnvelope(r);
    assertFalse(r.body().get("success").asBoolean(), r::toString);
    assertEquals(code, r.errorCode(), r::toString);
  }

  static void assertNoNulls(JsonNode node, String path) {
    if (node.isNull()) fail("null at " + path);
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        // a message payload is the sender's own JSON: its nulls are data, relayed as sent
        if (!e.getKey().equals("payload")) assertNoNulls(e.getValue(), path + "." + e.getKey());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) assertNoNulls(node.get(i), path + "[" + i + "]");
    }
  }

  static void assertUuid(String text) {
    assertTrue(text != null && text.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        () -> "not a UUID: " + text);
  }

  /** UTC with a Z suffix, as zod's datetime() demands. */
  static void assertZ(String text) {
    assertTrue(text != null && text.endsWith("Z"), () -> "not a Z timestamp: " + text);
    Instant.parse(text);
  }

  /** The SDK's AgentMessage schema (contract section 3). */
  static void assertAgentMessage(JsonNode m) {
    assertUuid(m.get("id").asText());
    assertTrue(m.get("type").isTextual(), m::toString);
    assertTrue(m.get("priority").asText().matches("critical|high|normal|low"), m::toString);
    assertTrue(m.get("sourceAgentId").isTextual(), m::toString);
    assertTrue(m.get("payload").isObject(), m::toString);
    assertZ(m.get("timestamp").asText());
    if (m.has("correlationId")) assertUuid(m.get("correlationId").asText());
    assertEquals(HASH, m.get("constitutionalHash").asText());
    if (m.has("metadata")) {
      m.get("metadata").properties().forEach(e -> assertTrue(e.getValue().isTextual(), m::toString));
    }
    assertNoNulls(m, "$message");
  }

  /** The SDK's AgentInfo (Python requires every field). */
  static void assertAgentInfo(JsonNode a) {
    for (String f : new String[] {"id", "name", "type", "status", "capabilities", "metadata", "lastSeen",
        "constitutionalHash"}) {
      assertTrue(a.has(f), () -> "AgentInfo without " + f + ": " + a);
    }
    assertTrue(a.get("status").asText().matches("active|inactive|suspended"), a::toString);
    assertTrue(a.get("capabilities").isArray(), a::toString);
    assertTrue(a.get("metadata").isObject(), a::toString);
    a.get("metadata").properties().forEach(e -> assertTrue(e.getValue().isTextual(), a::toString));
    assertZ(a.get("lastSeen").asText());
    assertEquals(HASH, a.get("constitutionalHash").asText());
  }
}
