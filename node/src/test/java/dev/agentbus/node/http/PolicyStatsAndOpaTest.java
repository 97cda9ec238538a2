package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.PolicyRule;
import dev.agentbus.node.http.TestNode.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node with a tiny decision cache and an external OPA (a local HTTP server standing in for OPA's data
 * API; no OPA binary exists here): decision cache hits, misses and evictions in {@code GET
 * /api/v1/policies/stats} and the governance metrics; an OPA deny refuses a message the bundle allowed; a
 * bundle document uploaded as it is.
 */
class PolicyStatsAndOpaTest {

  private static final String FORBIDDEN = "forbidden-by-opa";
  private static HttpServer opa;
  private static final AtomicInteger opaCalls = new AtomicInteger();
  private static TestNode node;
  private static final OpenApiContract contract = OpenApiContract.load();
  private final List<String> problems = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    opa = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    opa.createContext("/v1/data/agentbus/policy", PolicyStatsAndOpaTest::decide);
    opa.start();
    node = TestNode.withConfig("""
        agentbus.policy.cache.max-entries = 2
        # every decision kept at its first miss, so that two sends of a message are a miss and a hit
        agentbus.policy.cache.doorkeeper-keys = 0
        agentbus.policy.opa {
          enabled = on
          url = "http://127.0.0.1:%d"
        }
        """.formatted(opa.getAddress().getPort()));
  }

  @AfterAll
  static void stop() {
    node.close();
    opa.stop(0);
  }

  /** Denies commands named {@value #FORBIDDEN}, allows everything else. */
  private static void decide(HttpExchange ex) throws IOException {
    opaCalls.incrementAndGet();
    JsonNode input = TestNode.JSON.readTree(ex.getRequestBody()).path("input");
    boolean allow = !FORBIDDEN.equals(input.path("message").path("payload").path("command").asText());
    byte[] body = ("{\"result\":{\"allow\":" + allow + "}}").getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private Reply conforms(String method, String template, Reply r) {
    problems.addAll(contract.check(method, template, r.status(), r.body()).stream()
        .map(p -> p + " (" + r.raw() + ")").toList());
    return r;
  }

  private static void activate(String id) {
    Reply r = node.post("/api/v1/policies/" + id + "/status", TestNode.object().put("status", "active"));
    assertEquals(200, r.status(), r::toString);
    TestNode.awaitTrue(() -> node.bus.policies().active().policyId().equals(Optional.of(id)),
        "policy " + id + " active on the node");
  }

  private JsonNode stats() {
    Reply r = conforms("GET", "/api/v1/policies/stats", node.get("/api/v1/policies/stats"));
    assertEquals(200, r.status(), r::toString);
    return r.data();
  }

  @Test
  void decisionCacheCountsAndTheOpaBreakerAreInStatsAndMetricsAndAnOpaDenyRefuses() {
    String tenant = "t-" + UUID.randomUUID();
    String a = node.register("stats-sender", tenant, Map.of());
    String b = node.register("stats-receiver", tenant, Map.of());

    // a cacheable bundle (no rule reads time, rates or ids), uploaded as a document
    ConstitutionBundle bundle = ConstitutionBundle.of("stats", "7", HASH, List.of(new PolicyRule("no-never",
        "never sent", "message.payload.?command.orValue('') == 'never'", PolicyRule.Effect.DENY,
        PolicyRule.Severity.HIGH, PolicyRule.Enforcement.DENY)));
    Reply created = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies",
        TestNode.object().put("bundle", bundle.toYaml())));
    assertEquals(201, created.status(), created::toString);
    assertEquals("stats", created.data().get("name").asText(), "the name defaults to the bundle's id");
    assertEquals(bundle.digest(), created.data().get("digest").asText(), "stored as it is");
    String id = created.data().get("id").asText();
    activate(id);
    JsonNode before = stats();
    assertEquals(id, before.get("activePolicyId").asText());
    assertTrue(before.get("cacheable").asBoolean(), before::toString);
    long hits = before.at("/decisionCache/hits").asLong();
    long misses = before.at("/decisionCache/misses").asLong();

    // the same message twice: a miss, then a hit; then three others push entries out of a 2-entry cache
    for (String command : List.of("status", "status", "run", "report", "sync")) {
      Reply sent = node.sendMessage(a, TestNode.command(a, b, command), "X-Tenant-ID", tenant);
      assertTrue(sent.status() == 200 || sent.status() == 201, sent::toString);
    }
    TestNode.awaitTrue(() -> stats().at("/decisionCache/evictions").asLong() > 0, "an eviction counted");
    JsonNode after = stats();
    assertEquals(hits + 1, after.at("/decisionCache/hits").asLong(), after::toString);
    assertEquals(misses + 4, after.at("/decisionCache/misses").asLong(), after::toString);
    assertTrue(after.at("/decisionCache/size").asLong() <= 2, after::toString);
    assertTrue(after.at("/decisionCache/enabled").asBoolean());

    // OPA is asked after the bundle allowed, and its deny refuses
    int calls = opaCalls.get();
    Reply denied = node.sendMessage(a, TestNode.command(a, b, FORBIDDEN), "X-Tenant-ID", tenant);
    assertError(denied, 403, "opa_denied");
    assertEquals(calls + 1, opaCalls.get());
    Reply bundleDenied = node.sendMessage(a, TestNode.command(a, b, "never"), "X-Tenant-ID", tenant);
    assertError(bundleDenied, 403, "policy_denied:no-never");
    assertEquals(calls + 1, opaCalls.get(), "a bundle denial is final: OPA is not asked");

    JsonNode opaStats = stats().get("opa");
    assertTrue(opaStats.get("enabled").asBoolean(), opaStats::toString);
    assertEquals("closed", opaStats.get("breaker").asText());
    assertTrue(opaStats.get("allowed").asLong() >= 5, opaStats::toString);
    assertEquals(1, opaStats.get("denied").asLong(), opaStats::toString);

    // the governance metrics carry the same numbers
    JsonNode now = stats();
    Reply metrics = conforms("GET", "/api/v1/governance/metrics",
        node.get("/api/v1/governance/metrics", "X-Tenant-ID", tenant));
    assertEquals(200, metrics.status(), metrics::toString);
    assertEquals(now.at("/decisionCache/misses").asLong(),
        metrics.data().at("/policy/decisionCache/misses").asLong(), metrics::toString);
    assertEquals("closed", metrics.data().at("/policy/opa/breaker").asText());

    assertEquals(List.of(), problems);
  }

  @Test
  void aBadBundleDocumentIsA422NeverA500() {
    ObjectNode both = TestNode.object().put("bundle", "id: x\nversion: '1'\nconstitutionalHash: " + HASH + "\n");
    both.putArray("rules");
    for (ObjectNode body : List.of(
        TestNode.object().put("bundle", "{not yaml: ["),
        TestNode.object().put("bundle", 42),
        TestNode.object().put("bundle", "id: x\nversion: '1'\nconstitutionalHash: 0000000000000000\n"),
        TestNode.object().put("bundle", "id: x\nversion: '1'\nconstitutionalHash: " + HASH + "\nenforcment: warn\n"),
        both)) {
      Reply r = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", body));
      assertEquals(422, r.status(), () -> body + " -> " + r);
      assertFalse(r.raw().contains("Exception"), r::toString);
    }
    ObjectNode badCel = TestNode.object().put("bundle", "id: x\nversion: '1'\nconstitutionalHash: " + HASH
        + "\nrules:\n  - {id: bad, expression: 'message.type ==', effect: deny}\n");
    assertError(conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", badCel)), 422,
        "policy_does_not_compile");
    assertEquals(List.of(), problems);
  }
}
