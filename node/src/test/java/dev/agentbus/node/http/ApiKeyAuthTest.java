package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.assertUuid;
import static dev.agentbus.node.http.TestNode.assertZ;
import static dev.agentbus.node.http.TestNode.command;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.node.http.TestNode.Reply;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys on: 401 without a valid key, 403 across tenants and scopes, the admin endpoints, the bootstrap key. */
class ApiKeyAuthTest {

  @TempDir
  static Path dataDir;

  private static TestNode node;
  private static String admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.withKeys("");
    admin = BootstrapKey.ensure(node.system, Optional.empty(), dataDir).toCompletableFuture()
        .get(60, TimeUnit.SECONDS).orElseThrow();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  // ---- helpers ----

  private static String tenant() {
    String id = "t-" + UUID.randomUUID();
    Reply r = node.post("/api/v1/admin/tenants", TestNode.object().put("id", id).put("name", "Tenant " + id),
        "X-API-Key", admin);
    assertEquals(201, r.status(), r::toString);
    return id;
  }

  /** Issues a key and answers the created key's data (with the key itself). */
  private static JsonNode issue(String tenant, String... scopes) {
    ObjectNode body = TestNode.object().put("tenantId", tenant).put("principal", "p-" + UUID.randomUUID());
    var array = body.putArray("scopes");
    for (String s : scopes) array.add(s);
    Reply r = node.post("/api/v1/admin/keys", body, "X-API-Key", admin);
    assertEquals(201, r.status(), r::toString);
    assertEnvelope(r);
    return r.data();
  }

  private static String key(String tenant, String... scopes) {
    return issue(tenant, scopes).get("key").asText();
  }

  private static String register(String key, String name) {
    ObjectNode body = TestNode.object().put("name", name).put("type", "worker").put("constitutionalHash", HASH);
    body.putArray("capabilities").add("test");
    Reply r = node.post("/api/v1/agents/register", body, "X-API-Key", key);
    assertEquals(201, r.status(), r::toString);
    String id = r.data().get("id").asText();
    TestNode.awaitTrue(() -> node.bus.directory().find(id).isPresent(), "agent " + id + " in the directory");
    return id;
  }

  // ---- authentication ----

  @Test
  void everyApiEndpointButHealthAndOpenApiNeedsAKey() {
    for (Reply r : List.of(
        node.get("/api/v1/agents"),
        node.post("/api/v1/agents/register", "{}"),
        node.get("/api/v1/agents/" + UUID.randomUUID() + "/messages"),
        node.get("/api/v1/admin/keys"),
        node.post("/api/v1/admin/tenants", "{}"),
        node.get("/api/v1/nothing-here"))) {
      assertError(r, 401, "authentication_required");
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), r::toString);
    }
    assertEquals(200, node.get("/health").status());
    assertEquals(200, node.get("/openapi.yaml").status());
  }

  @Test
  void anUnknownOrMalformedKeyIs401() {
    assertError(node.get("/api/v1/agents", "X-API-Key", "abk_" + UUID.randomUUID()), 401, "invalid_api_key");
    assertError(node.get("/api/v1/agents", "Authorization", "Bearer abk_nope"), 401, "invalid_api_key");
    assertError(node.get("/api/v1/agents", "Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"), 401,
        "invalid_api_key");
    assertError(node.get("/api/v1/agents", "X-API-Key", "x".repeat(600)), 401, "invalid_api_key");
  }

  @Test
  void theKeyWorksAsXApiKeyOrAsBearerToken() {
    String key = key(tenant(), "agent");

    assertEquals(200, node.get("/api/v1/agents", "X-API-Key", key).status());
    assertEquals(200, node.get("/api/v1/agents", "Authorization", "Bearer " + key).status());
  }

  // ---- admin endpoints ----

  @Test
  void adminIssuesListsAndRevokesAKey() {
    String tenant = tenant();
    JsonNode issued = issue(tenant, "agent", "operator");
    String keyId = issued.get("id").asText();
    assertUuid(keyId);
    assertTrue(issued.get("key").asText().startsWith("abk_"));
    assertEquals(tenant, issued.get("tenantId").asText());
    assertEquals("[\"agent\",\"operator\"]", issued.get("scopes").toString());
    assertEquals("active", issued.get("status").asText());
    assertZ(issued.get("createdAt").asText());
    String key = issued.get("key").asText();
    register(key, "Worker");

    Reply list = node.get("/api/v1/admin/keys?tenantId=" + tenant, "X-API-Key", admin);
    assertEquals(200, list.status(), list::toString);
    assertEquals(1, list.data().get("total").asInt());
    JsonNode listed = list.data().get("data").get(0);
    assertEquals(keyId, listed.get("id").asText());
    assertFalse(listed.has("key"), "a key is shown once");

    Reply revoked = node.delete("/api/v1/admin/keys/" + keyId, "X-API-Key", admin);
    assertEquals(200, revoked.status(), revoked::toString);
    assertEnvelope(revoked);
    assertEquals("revoked", revoked.data().get("status").asText());
    assertZ(revoked.data().get("revokedAt").asText());

    assertError(node.get("/api/v1/agents", "X-API-Key", key), 401, "api_key_revoked");
    assertError(node.get("/api/v1/agents", "Authorization", "Bearer " + key), 401, "api_key_revoked");
    assertEquals(200, node.delete("/api/v1/admin/keys/" + keyId, "X-API-Key", admin).status(), "idempotent");
  }

  @Test
  void adminCreatesAndListsTenants() {
    String id = tenant();

    Reply list = node.get("/api/v1/admin/tenants?pageSize=500", "X-API-Key", admin);
    assertEquals(200, list.status(), list::toString);
    assertEnvelope(list);
    List<String> ids = new ArrayList<>();
    list.data().get("data").forEach(t -> ids.add(t.get("id").asText()));
    assertTrue(ids.contains(id), ids::toString);
    assertTrue(ids.contains("default"), "the bootstrap key's tenant");
    assertError(node.post("/api/v1/admin/tenants", TestNode.object().put("id", id).put("name", "again"),
        "X-API-Key", admin), 409, "tenant_exists");
  }

  @Test
  void adminInputIsValidated() {
    String tenant = tenant();
    ObjectNode badScope = TestNode.object().put("tenantId", tenant).put("principal", "p");
    badScope.putArray("scopes").add("root");
    assertError(node.post("/api/v1/admin/keys", badScope, "X-API-Key", admin), 422, "validation_failed");

    ObjectNode noTenant = TestNode.object().put("tenantId", "no-such-" + UUID.randomUUID()).put("principal", "p");
    noTenant.putArray("scopes").add("agent");
    assertError(node.post("/api/v1/admin/keys", noTenant, "X-API-Key", admin), 422, "tenant_not_found");

    Reply missing = node.post("/api/v1/admin/keys", TestNode.object().put("tenantId", tenant), "X-API-Key", admin);
    assertError(missing, 422, "validation_failed");
    assertTrue(missing.body().path("error").path("details").has("principal"), missing::toString);
    assertTrue(missing.body().path("error").path("details").has("scopes"), missing::toString);

    assertError(node.post("/api/v1/admin/tenants", TestNode.object().put("id", "a b").put("name", "x"),
        "X-API-Key", admin), 422, "validation_failed");
    assertError(node.post("/api/v1/admin/keys", "[1]", "X-API-Key", admin), 400, "invalid_json");
    assertError(node.delete("/api/v1/admin/keys/not-a-uuid", "X-API-Key", admin), 400, "invalid_key_id");
    assertError(node.delete("/api/v1/admin/keys/" + UUID.randomUUID(), "X-API-Key", admin), 404, "key_not_found");
  }

  @Test
  void theLastActiveAdminKeyCannotBeRevoked() {
    // other tests may have issued admin keys: revoke them, keeping the bootstrap key
    JsonNode keys = node.get("/api/v1/admin/keys?pageSize=500", "X-API-Key", admin).data().get("data");
    String bootstrapId = null;
    for (JsonNode k : keys) {
      boolean activeAdmin = k.get("status").asText().equals("active") && k.get("scopes").toString().contains("admin");
      if (!activeAdmin) continue;
      if (k.get("tenantId").asText().equals("default") && k.get("principal").asText().equals("bootstrap-admin")) {
        bootstrapId = k.get("id").asText();
      } else {
        assertEquals(200, node.delete("/api/v1/admin/keys/" + k.get("id").asText(), "X-API-Key", admin).status());
      }
    }

    assertError(node.delete("/api/v1/admin/keys/" + bootstrapId, "X-API-Key", admin), 409, "last_admin_key");
    assertEquals(200, node.get("/api/v1/admin/keys", "X-API-Key", admin).status());
  }

  // ---- tenants and scopes ----

  @Test
  void aKeyOfAnotherTenantIs403OnTheAgentsPath() {
    String mine = key(tenant(), "agent");
    String theirs = key(tenant(), "agent");
    String agent = register(mine, "Private");
    String peer = register(mine, "Peer");

    assertError(node.get("/api/v1/agents/" + agent, "X-API-Key", theirs), 403, "tenant_mismatch");
    assertError(node.get("/api/v1/agents/" + agent + "/messages", "X-API-Key", theirs), 403, "tenant_mismatch");
    assertError(node.delete("/api/v1/agents/" + agent, "X-API-Key", theirs), 403, "tenant_mismatch");
    Reply send = node.sendMessage(agent, command(agent, peer, "status"), "X-API-Key", theirs);
    assertEquals(403, send.status(), send::toString);
    Reply list = node.get("/api/v1/agents?pageSize=500", "X-API-Key", theirs);
    assertEquals(0, list.data().get("total").asInt(), list::toString);

    assertEquals(200, node.get("/api/v1/agents/" + agent, "X-API-Key", mine).status());
    assertEquals(201, node.sendMessage(agent, command(agent, peer, "status"), "X-API-Key", mine).status());
  }

  @Test
  void theTenantIsTheKeysAndAHeaderNamingAnotherIsRefused() {
    String tenant = tenant();
    String key = key(tenant, "agent");
    ObjectNode body = TestNode.object().put("name", "n").put("type", "worker").put("constitutionalHash", HASH);
    body.putArray("capabilities");

    Reply r = node.post("/api/v1/agents/register", body, "X-API-Key", key);
    assertEquals(201, r.status(), r::toString);
    assertEquals(tenant, r.data().get("tenantId").asText());
    assertEquals(200, node.get("/api/v1/agents", "X-API-Key", key, "X-Tenant-ID", tenant).status());
    assertError(node.post("/api/v1/agents/register", body, "X-API-Key", key, "X-Tenant-ID", "someone-else"), 403,
        "tenant_mismatch");
  }

  @Test
  void scopesGateTheEndpoints() {
    String tenant = tenant();
    String agentKey = key(tenant, "agent");
    String operatorKey = key(tenant, "operator");
    String adminOnly = key(tenant, "admin");

    assertError(node.get("/api/v1/admin/keys", "X-API-Key", agentKey), 403, "insufficient_scope");
    assertError(node.post("/api/v1/admin/tenants", TestNode.object().put("id", "x").put("name", "x"),
        "X-API-Key", operatorKey), 403, "insufficient_scope");
    assertError(node.get("/api/v1/agents", "X-API-Key", adminOnly), 403, "insufficient_scope");
    assertEquals(200, node.get("/api/v1/agents", "X-API-Key", operatorKey).status());
    assertEquals(200, node.get("/api/v1/admin/tenants", "X-API-Key", adminOnly).status());
  }

  // ---- WebSocket ----

  @Test
  void theWebSocketChecksAGivenKeyAndItsTenant() throws Exception {
    String tenant = tenant();
    String mine = key(tenant, "agent");
    String agent = register(mine, "Listener");
    String peer = register(mine, "Talker");
    String theirs = key(tenant(), "agent");

    // refusals happen before the upgrade, so a plain GET shows them
    assertError(node.get("/ws?agentId=" + agent + "&apiKey=" + theirs), 403, "tenant_mismatch");
    assertError(node.get("/ws?agentId=" + agent + "&apiKey=abk_unknown"), 401, "invalid_api_key");
    assertError(node.get("/api/v1/ws?agentId=" + agent, "X-API-Key", theirs), 403, "tenant_mismatch");

    LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          frames.add(partial.toString());
          partial.setLength(0);
        }
        ws.request(1);
        return null;
      }
    };
    WebSocket socket = node.client.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + node.port + "/ws?agentId=" + agent + "&hash=" + HASH
            + "&apiKey=" + mine), listener)
        .get(20, TimeUnit.SECONDS);
    try {
      Reply sent = node.sendMessage(peer, command(peer, agent, "deploy"), "X-API-Key", mine);
      assertEquals(201, sent.status(), sent::toString);
      String frame = frames.poll(20, TimeUnit.SECONDS);
      assertEquals(sent.data().get("id").asText(), TestNode.parseOrNull(frame).get("id").asText());
    } finally {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
    }
  }

  // ---- the bootstrap key ----

  @Test
  void theBootstrapKeyIsWrittenOnceForItsOwnerOnly() throws Exception {
    Path file = dataDir.resolve(BootstrapKey.FILE_NAME);

    assertEquals(admin, Files.readString(file).trim());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

    assertEquals(Optional.empty(), BootstrapKey.ensure(node.system, Optional.empty(), dataDir)
        .toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertEquals(Optional.empty(), BootstrapKey.ensure(node.system, Optional.of("g".repeat(48)), dataDir)
        .toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertEquals(admin, Files.readString(file).trim(), "not replaced");
    assertError(node.get("/api/v1/agents", "X-API-Key", "g".repeat(48)), 401, "invalid_api_key");
    assertEquals(200, node.get("/api/v1/admin/keys", "X-API-Key", admin).status());
  }

  @Test
  void theBootstrapKeyComesFromTheOptionThenTheEnvironment() {
    assertEquals(Optional.of("opt"), BootstrapKey.given("opt", java.util.Map.of(BootstrapKey.ENV, "env")));
    assertEquals(Optional.of("env"), BootstrapKey.given(null, java.util.Map.of(BootstrapKey.ENV, " env ")));
    assertEquals(Optional.empty(), BootstrapKey.given(" ", java.util.Map.of()));
  }
}
