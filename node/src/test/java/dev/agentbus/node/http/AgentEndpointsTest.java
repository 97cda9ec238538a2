package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertAgentInfo;
import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.assertUuid;
import static dev.agentbus.node.http.TestNode.assertZ;
import static dev.agentbus.node.http.TestNode.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.node.http.TestNode.Reply;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/agents}: registration, lookup, listing, metadata, heartbeats, unregistration. */
class AgentEndpointsTest {

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static ObjectNode registration(String name) {
    ObjectNode body = object().put("name", name).put("type", "automation").put("constitutionalHash", HASH);
    body.putArray("capabilities").add("deploy").add("rollback");
    return body;
  }

  private static String tenant() {
    return "tenant-" + UUID.randomUUID();
  }

  @Test
  void registerAnswers201WithAFullAgentInfo() {
    Reply r = node.post("/api/v1/agents/register", registration("Deployment Agent"));

    assertEquals(201, r.status(), r::toString);
    assertEnvelope(r);
    JsonNode a = r.data();
    assertAgentInfo(a);
    assertUuid(a.get("id").asText());
    assertEquals("Deployment Agent", a.get("name").asText());
    assertEquals("automation", a.get("type").asText());
    assertEquals("active", a.get("status").asText());
    assertEquals("[\"deploy\",\"rollback\"]", a.get("capabilities").toString());
    assertEquals(0, a.get("metadata").size(), "metadata is {} when none was given");
    assertEquals("executive", a.get("maciRole").asText(), "the bus's default role");
  }

  @Test
  void registerTakesTheMaciRoleFromMetadata() {
    ObjectNode body = registration("Judge");
    body.putObject("metadata").put("maciRole", "judicial").put("team", "audit");

    Reply r = node.post("/api/v1/agents/register", body);

    assertEquals(201, r.status(), r::toString);
    assertEquals("judicial", r.data().get("maciRole").asText());
    assertEquals("audit", r.data().get("metadata").get("team").asText());
  }

  @Test
  void registerRefusesAnUnknownMaciRoleWith422() {
    ObjectNode body = registration("Nobody");
    body.putObject("metadata").put("maciRole", "emperor");

    Reply r = node.post("/api/v1/agents/register", body);

    assertError(r, 422, "validation_failed");
    assertTrue(r.body().get("error").get("details").has("metadata.maciRole"), r::toString);
  }

  @Test
  void registerRefusesMissingFieldsWith422ListingEachField() {
    Reply r = node.post("/api/v1/agents/register", object().put("constitutionalHash", HASH));

    assertError(r, 422, "validation_failed");
    JsonNode details = r.body().get("error").get("details");
    for (String field : new String[] {"name", "type", "capabilities"}) {
      assertTrue(details.get(field).isArray(), () -> field + " missing from " + details);
    }
  }

  @Test
  void registerRefusesWrongTypesWith422() {
    ObjectNode body = object().put("name", 5).put("type", "x").put("capabilities", "deploy");
    body.putObject("metadata").put("count", 3);

    Reply r = node.post("/api/v1/agents/register", body);

    assertError(r, 422, "validation_failed");
    JsonNode details = r.body().get("error").get("details");
    assertTrue(details.has("name") && details.has("capabilities") && details.has("metadata.count"), details::toString);
  }

  @Test
  void registerRefusesBodiesThatAreNotJsonObjectsWith400() {
    assertError(node.post("/api/v1/agents/register", "{\"name\": "), 400, "invalid_json");
    assertError(node.post("/api/v1/agents/register", "[1, 2]"), 400, "invalid_json");
    assertError(node.post("/api/v1/agents/register", ""), 400, "invalid_json");
    assertError(node.post("/api/v1/agents/register", "{\"name\":\"a\",\"name\":\"b\"}"), 400, "invalid_json");
  }

  @Test
  void registerWithATakenAgentIdIs409() {
    String id = "agent-" + UUID.randomUUID();
    ObjectNode body = registration("Fixed").put("agentId", id);
    assertEquals(201, node.post("/api/v1/agents/register", body).status());

    Reply again = node.post("/api/v1/agents/register", body);

    assertError(again, 409, "agent_already_registered");
  }

  @Test
  void registerRefusesAWrongConstitutionalHashWith422() {
    Reply r = node.post("/api/v1/agents/register", registration("Bad hash").put("constitutionalHash", "deadbeef"));

    assertError(r, 422, "constitutional_hash_mismatch");
  }

  @Test
  void getAnswersTheAgent() {
    String id = node.register("Lookup");

    Reply r = node.get("/api/v1/agents/" + id);

    assertEquals(200, r.status(), r::toString);
    assertEnvelope(r);
    assertAgentInfo(r.data());
    assertEquals(id, r.data().get("id").asText());
  }

  @Test
  void anUnknownAgentIs404() {
    assertError(node.get("/api/v1/agents/" + UUID.randomUUID()), 404, "agent_not_found");
    assertError(node.delete("/api/v1/agents/" + UUID.randomUUID()), 404, "agent_not_found");
    assertError(node.post("/api/v1/agents/" + UUID.randomUUID() + "/heartbeat", null), 404, "agent_not_found");
  }

  @Test
  void anotherTenantsAgentIs403() {
    String id = node.register("Private", tenant(), Map.of());

    assertError(node.get("/api/v1/agents/" + id, "X-Tenant-ID", "intruder"), 403, "tenant_mismatch");
    assertError(node.get("/api/v1/agents/" + id), 403, "tenant_mismatch");
    assertError(node.delete("/api/v1/agents/" + id, "X-Tenant-ID", "intruder"), 403, "tenant_mismatch");
    assertError(node.get("/api/v1/agents/" + id + "/messages", "X-Tenant-ID", "intruder"), 403, "tenant_mismatch");
  }

  @Test
  void listIsPaginatedAndFilteredByTenantTypeAndStatus() {
    String tenant = tenant();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      ObjectNode body = registration("Lister " + i).put("type", i == 2 ? "monitor" : "worker");
      Reply r = node.post("/api/v1/agents/register", body, "X-Tenant-ID", tenant);
      assertEquals(201, r.status(), r::toString);
      ids.add(r.data().get("id").asText());
    }
    TestNode.awaitTrue(() -> ids.stream().allMatch(id -> node.bus.directory().find(id).isPresent()), "directory");

    Reply first = node.get("/api/v1/agents?page=1&pageSize=2", "X-Tenant-ID", tenant);
    assertEquals(200, first.status(), first::toString);
    assertEnvelope(first);
    JsonNode page = first.data();
    assertEquals(2, page.get("data").size());
    assertEquals(3, page.get("total").asInt());
    assertEquals(1, page.get("page").asInt());
    assertEquals(2, page.get("pageSize").asInt());
    assertEquals(2, page.get("totalPages").asInt());
    page.get("data").forEach(TestNode::assertAgentInfo);

    Reply second = node.get("/api/v1/agents?page=2&pageSize=2", "X-Tenant-ID", tenant);
    assertEquals(1, second.data().get("data").size());

    Reply monitors = node.get("/api/v1/agents?type=monitor&status=active", "X-Tenant-ID", tenant);
    assertEquals(1, monitors.data().get("total").asInt(), monitors::toString);
    assertEquals("monitor", monitors.data().get("data").get(0).get("type").asText());

    Reply elsewhere = node.get("/api/v1/agents?pageSize=500", "X-Tenant-ID", tenant());
    elsewhere.data().get("data").forEach(a -> assertFalse(ids.contains(a.get("id").asText())));
    assertEquals(0, elsewhere.data().get("total").asInt());
  }

  @Test
  void listRefusesBadQueryParametersWith400() {
    assertError(node.get("/api/v1/agents?status=sleeping"), 400, "invalid_query_parameter");
    assertError(node.get("/api/v1/agents?page=0"), 400, "invalid_query_parameter");
    assertError(node.get("/api/v1/agents?pageSize=ten"), 400, "invalid_query_parameter");
  }

  @Test
  void listIgnoresUnknownParametersAndEmptyValues() {
    Reply r = node.get("/api/v1/agents?params=%5Bobject+Object%5D&page=&sortBy=name&sortOrder=desc");

    assertEquals(200, r.status(), r::toString);
    assertTrue(r.data().get("data").isArray());
  }

  @Test
  void patchMergesMetadata() {
    String id = node.register("Patched", null, Map.of("a", "1"));

    Reply r = node.patch("/api/v1/agents/" + id, object().set("metadata", object().put("b", "2")));

    assertEquals(200, r.status(), r::toString);
    assertAgentInfo(r.data());
    assertEquals("1", r.data().get("metadata").get("a").asText());
    assertEquals("2", r.data().get("metadata").get("b").asText());
  }

  @Test
  void patchRefusesToChangeTheMaciRoleOrNonStringValues() {
    String id = node.register("Fixed role");

    assertError(node.patch("/api/v1/agents/" + id, object().set("metadata", object().put("maciRole", "judicial"))),
        422, "validation_failed");
    assertError(node.patch("/api/v1/agents/" + id, object().set("metadata", object().put("n", 1))),
        422, "validation_failed");
    assertError(node.patch("/api/v1/agents/" + id, object()), 422, "validation_failed");
  }

  @Test
  void heartbeatAnswersTheAgentWithLastSeenAdvanced() {
    String id = node.register("Beating");
    Instant before = Instant.parse(node.get("/api/v1/agents/" + id).data().get("lastSeen").asText());

    // Python sends +00:00; the body is accepted either way and never echoed
    Reply r = node.post("/api/v1/agents/" + id + "/heartbeat",
        object().put("timestamp", "2026-01-15T10:00:00.123456+00:00").put("constitutionalHash", HASH));

    assertEquals(200, r.status(), r::toString);
    assertEnvelope(r);
    assertAgentInfo(r.data());
    assertZ(r.data().get("lastSeen").asText());
    assertFalse(Instant.parse(r.data().get("lastSeen").asText()).isBefore(before));
    assertEquals(200, node.post("/api/v1/agents/" + id + "/heartbeat", null).status(), "no body at all");
  }

  @Test
  void heartbeatWithAWrongHashIs422() {
    String id = node.register("Wrong beat");

    Reply r = node.post("/api/v1/agents/" + id + "/heartbeat", object().put("constitutionalHash", "0000"));

    assertError(r, 422, "constitutional_hash_mismatch");
  }

  @Test
  void unregisterAnswersAnEnvelopeAndTheAgentIsGone() {
    String id = node.register("Leaving");

    Reply r = node.delete("/api/v1/agents/" + id);

    assertEquals(200, r.status(), r::toString);
    assertEnvelope(r);
    assertEquals(id, r.data().get("id").asText());
    assertError(node.get("/api/v1/agents/" + id), 404, "agent_not_found");
  }

  @Test
  void aWrongHashHeaderIs422() {
    Reply r = node.get("/api/v1/agents", "X-Constitutional-Hash", "ffffffffffffffff");

    assertError(r, 422, "constitutional_hash_mismatch");
  }
}
