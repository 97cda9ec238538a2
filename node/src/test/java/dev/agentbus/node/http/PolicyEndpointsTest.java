package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.assertUuid;
import static dev.agentbus.node.http.TestNode.assertZ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.node.http.TestNode.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policies API (contract 4.6, 4.7's activate and verify, rollback): a policy's life from draft to
 * active, a send it denies, a rule that does not compile, a dry run, and a rollback, with every answer
 * checked against docs/openapi.yaml; and, with API keys on, who may change policies.
 */
class PolicyEndpointsTest {

  @TempDir
  static Path dataDir;

  private static TestNode node;
  private static final OpenApiContract contract = OpenApiContract.load();
  private final List<String> problems = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private Reply conforms(String method, String template, Reply r) {
    assertEnvelope(r);
    problems.addAll(contract.check(method, template, r.status(), r.body()).stream()
        .map(p -> p + " (" + r.raw() + ")").toList());
    return r;
  }

  private static ObjectNode rule(String id, String expression, String effect, String enforcement) {
    return TestNode.object().put("id", id).put("description", "Rule " + id).put("expression", expression)
        .put("effect", effect).put("severity", "high").put("enforcement", enforcement);
  }

  private static ObjectNode policy(String name, ObjectNode... rules) {
    ObjectNode body = TestNode.object().put("name", name).put("description", "About " + name)
        .put("constitutionalHash", HASH);
    ArrayNode r = body.putArray("rules");
    for (ObjectNode rule : rules) r.add(rule);
    body.putArray("tags").add("ops").add("test");
    body.putArray("complianceTags").add("soc2");
    return body;
  }

  private String create(ObjectNode body) {
    Reply r = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", body));
    assertEquals(201, r.status(), r::toString);
    return r.data().get("id").asText();
  }

  private Reply setStatus(String id, String status) {
    return conforms("POST", "/api/v1/policies/{id}/status",
        node.post("/api/v1/policies/" + id + "/status", TestNode.object().put("status", status).put("constitutionalHash", HASH)));
  }

  private static void awaitActive(String policyId) {
    TestNode.awaitTrue(() -> node.bus.policies().active().policyId().equals(Optional.of(policyId)),
        "policy " + policyId + " active on the node");
  }

  @Test
  void createActivateDenyRefuseBadCelAndRollBack() {
    String tenant = "t-" + UUID.randomUUID();
    String a = node.register("policy-sender", tenant, Map.of());
    String b = node.register("policy-receiver", tenant, Map.of());

    // a first policy, active: it denies nothing these tests send
    ObjectNode base = policy("baseline", rule("no-never", "message.payload.?command.orValue('') == 'never'",
        "deny", "deny"));
    base.putArray("tags").add("base");
    String baseline = create(base);
    assertEquals(200, setStatus(baseline, "active").status());
    awaitActive(baseline);

    // create -> get -> list
    ObjectNode body = policy("no deploys",
        rule("no-deploy", "message.payload.?command.orValue('') == 'deploy'", "deny", "deny"),
        rule("watch-run", "message.payload.?command.orValue('') == 'run'", "deny", "warn"));
    Reply created = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", body));
    assertEquals(201, created.status(), created::toString);
    JsonNode p = created.data();
    String id = p.get("id").asText();
    assertUuid(id);
    assertEquals("no deploys", p.get("name").asText());
    assertEquals("1", p.get("version").asText());
    assertEquals("draft", p.get("status").asText());
    assertEquals("anonymous", p.get("createdBy").asText());
    assertEquals(HASH, p.get("constitutionalHash").asText());
    assertZ(p.get("createdAt").asText());
    assertZ(p.get("updatedAt").asText());
    assertEquals(2, p.get("rules").size());
    assertEquals("no-deploy", p.get("rules").get(0).get("id").asText());
    assertEquals("warn", p.get("rules").get(1).get("enforcement").asText());
    assertEquals("[\"ops\",\"test\"]", p.get("tags").toString());
    assertEquals("[\"soc2\"]", p.get("complianceTags").toString());

    Reply got = conforms("GET", "/api/v1/policies/{id}", node.get("/api/v1/policies/" + id));
    assertEquals(200, got.status(), got::toString);
    assertEquals(p.get("rules"), got.data().get("rules"));
    assertError(conforms("GET", "/api/v1/policies/{id}", node.get("/api/v1/policies/" + UUID.randomUUID())),
        404, "policy_not_found");
    assertError(conforms("GET", "/api/v1/policies/{id}", node.get("/api/v1/policies/not-a-uuid")),
        400, "invalid_policy_id");

    Reply listed = conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?page=1&pageSize=10&status=draft"));
    assertEquals(200, listed.status(), listed::toString);
    assertEquals(1, listed.data().get("total").asInt(), listed::toString);
    assertEquals(id, listed.data().get("data").get(0).get("id").asText());
    Reply bothTs = conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?tags=ops&tags=test"));
    assertEquals(1, bothTs.data().get("total").asInt(), bothTs::toString);
    Reply bothPy = conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?tags=ops%2Ctest&page=1&pageSize=50"));
    assertEquals(1, bothPy.data().get("total").asInt(), bothPy::toString);
    Reply none = conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?tags=ops,nope"));
    assertEquals(0, none.data().get("total").asInt(), none::toString);
    Reply all = conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?sortBy=name&sortOrder=asc"));
    assertEquals(2, all.data().get("total").asInt(), all::toString);
    assertEquals("baseline", all.data().get("data").get(0).get("name").asText());
    assertError(conforms("GET", "/api/v1/policies", node.get("/api/v1/policies?status=nope")),
        400, "invalid_query_parameter");

    // a revision is a new version; both are listed
    ObjectNode patch = TestNode.object().put("description", "No deploys, ever").put("constitutionalHash", HASH);
    Reply revised = conforms("PATCH", "/api/v1/policies/{id}", node.patch("/api/v1/policies/" + id, patch));
    assertEquals(200, revised.status(), revised::toString);
    assertEquals("2", revised.data().get("version").asText());
    assertEquals("[\"soc2\"]", revised.data().get("complianceTags").toString());
    Reply versions = conforms("GET", "/api/v1/policies/{id}/versions", node.get("/api/v1/policies/" + id + "/versions"));
    assertEquals(2, versions.data().size(), versions::toString);
    assertEquals(id, versions.data().get(0).get("policyId").asText());
    assertEquals("1", versions.data().get(0).get("version").asText());
    conforms("GET", "/api/v1/policies/{id}/versions/{version}",
        node.get("/api/v1/policies/" + id + "/versions/1"));
    assertError(conforms("GET", "/api/v1/policies/{id}/versions/{version}",
        node.get("/api/v1/policies/" + id + "/versions/9")), 404, "policy_version_not_found");

    // dry run of the draft: what each rule would decide, nothing active changes
    ObjectNode verify = TestNode.object().put("constitutionalHash", HASH);
    verify.set("message", TestNode.command(a, b, "deploy"));
    Reply dry = conforms("POST", "/api/v1/policies/{id}/verify", node.post("/api/v1/policies/" + id + "/verify", verify));
    assertEquals(200, dry.status(), dry::toString);
    assertFalse(dry.data().get("allowed").asBoolean(), dry::toString);
    assertEquals("policy_denied:no-deploy", dry.data().get("reason").asText());
    assertEquals("[\"no-deploy\"]", dry.data().get("violations").toString());
    assertEquals("deny", dry.data().get("verdicts").get(0).get("outcome").asText());
    assertEquals("none", dry.data().get("verdicts").get(1).get("outcome").asText());
    ObjectNode input = TestNode.object();
    input.set("input", TestNode.command(a, b, "run"));
    Reply dryRun = conforms("POST", "/api/v1/policies/{id}/verify", node.post("/api/v1/policies/" + id + "/verify", input));
    assertTrue(dryRun.data().get("allowed").asBoolean(), dryRun::toString);
    assertEquals("[\"watch-run\"]", dryRun.data().get("warnings").toString());
    assertEquals("would_deny", dryRun.data().get("verdicts").get(1).get("outcome").asText());
    assertError(conforms("POST", "/api/v1/policies/{id}/verify",
        node.post("/api/v1/policies/" + id + "/verify", TestNode.object())), 422, "validation_failed");
    assertEquals(Optional.of(baseline), node.bus.policies().active().policyId());

    // activate: the send it denies is refused with the rule's reason
    Reply active = setStatus(id, "active");
    assertEquals(200, active.status(), active::toString);
    assertEquals("active", active.data().get("status").asText());
    awaitActive(id);
    Reply denied = node.sendMessage(a, TestNode.command(a, b, "deploy"), "X-Tenant-ID", tenant);
    assertError(denied, 403, "policy_denied:no-deploy");
    Reply allowed = node.sendMessage(a, TestNode.command(a, b, "run"), "X-Tenant-ID", tenant);
    assertTrue(allowed.status() == 200 || allowed.status() == 201, allowed::toString);
    // the decision names the bundle that made it
    assertTrue(allowed.data().path("metadata").path("governance.bundleDigest").asText("").matches("[0-9a-f]{64}"),
        allowed::toString);
    Reply baselineNow = conforms("GET", "/api/v1/policies/{id}", node.get("/api/v1/policies/" + baseline));
    assertEquals("deprecated", baselineNow.data().get("status").asText());

    // illegal transitions and edits of a reviewed policy are conflicts
    assertError(setStatus(id, "draft"), 409, "invalid_policy_transition");
    assertError(conforms("PATCH", "/api/v1/policies/{id}", node.patch("/api/v1/policies/" + id, patch)),
        409, "policy_not_editable");
    assertError(setStatus(id, "nope"), 422, "validation_failed");
    assertError(setStatus(UUID.randomUUID().toString(), "active"), 404, "policy_not_found");

    // CEL that does not compile: 422 with the compiler's message, nothing stored, nothing activated
    ObjectNode bad = policy("broken", rule("bad-rule", "message.payload.command ==", "deny", "deny"));
    Reply refused = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", bad));
    assertError(refused, 422, "policy_does_not_compile");
    String text = refused.body().get("error").get("message").asText();
    assertTrue(text.contains("bad-rule") && text.contains("does not compile"), text);
    assertEquals(text, refused.body().get("error").get("details").get("rules").get(0).asText());
    ObjectNode badPatch = TestNode.object();
    badPatch.putArray("rules").add(rule("bad-rule", "size(", "deny", "deny"));
    assertError(conforms("PATCH", "/api/v1/policies/{id}", node.patch("/api/v1/policies/" + baseline, badPatch)),
        409, "policy_not_editable");
    ObjectNode validate = TestNode.object();
    validate.putArray("rules").add(rule("bad-rule", "message.payload.command ==", "deny", "deny"));
    Reply validated = conforms("POST", "/api/v1/policies/validate", node.post("/api/v1/policies/validate", validate));
    assertFalse(validated.data().get("valid").asBoolean(), validated::toString);
    assertTrue(validated.data().get("errors").get(0).asText().startsWith("bad-rule: "), validated::toString);
    ObjectNode missing = TestNode.object().put("name", "x");
    missing.putArray("rules").add(TestNode.object().put("id", "r").put("effect", "explode"));
    Reply invalid = conforms("POST", "/api/v1/policies", node.post("/api/v1/policies", missing));
    assertError(invalid, 422, "validation_failed");
    assertTrue(invalid.body().get("error").get("details").has("rules[0].expression"), invalid::toString);
    assertEquals(Optional.of(id), node.bus.policies().active().policyId());

    // rollback: the earlier policy is active again, and the send goes through
    Reply back = conforms("POST", "/api/v1/policies/rollback", node.post("/api/v1/policies/rollback", null));
    assertEquals(200, back.status(), back::toString);
    assertEquals(baseline, back.data().get("id").asText());
    assertEquals("active", back.data().get("status").asText());
    awaitActive(baseline);
    Reply again = node.sendMessage(a, TestNode.command(a, b, "deploy"), "X-Tenant-ID", tenant);
    assertTrue(again.status() == 200 || again.status() == 201, again::toString);
    Reply rolledBack = conforms("GET", "/api/v1/policies/{id}", node.get("/api/v1/policies/" + id));
    assertEquals("deprecated", rolledBack.data().get("status").asText());
    // nothing earlier than the baseline to go back to
    assertError(conforms("POST", "/api/v1/policies/rollback", node.post("/api/v1/policies/rollback", null)),
        409, "no_known_good_policy");

    // 4.7's PUT activate works too
    Reply put = conforms("PUT", "/api/v1/policies/{id}/activate", node.send("PUT", "/api/v1/policies/" + id + "/activate",
        TestNode.object().put("constitutionalHash", HASH)));
    assertEquals(200, put.status(), put::toString);
    awaitActive(id);

    assertEquals(List.of(), problems);
  }

  @Test
  void withKeysOnlyOperatorsChangePoliciesAndTheirPrincipalIsRecorded() throws Exception {
    try (TestNode keyed = TestNode.withKeys("")) {
      String admin = BootstrapKey.ensure(keyed.system, Optional.empty(), dataDir).toCompletableFuture()
          .get(60, TimeUnit.SECONDS).orElseThrow();
      String tenant = "t-" + UUID.randomUUID();
      Reply t = keyed.post("/api/v1/admin/tenants", TestNode.object().put("id", tenant).put("name", "T"),
          "X-API-Key", admin);
      assertEquals(201, t.status(), t::toString);
      String agentKey = key(keyed, admin, tenant, "bot", "agent");
      String operatorKey = key(keyed, admin, tenant, "olivia", "operator");

      ObjectNode body = policy("keyed", rule("r1", "message.type == 'event'", "deny", "dryrun"));
      assertError(conforms("POST", "/api/v1/policies", keyed.post("/api/v1/policies", body, "X-API-Key", agentKey)),
          403, "insufficient_scope");
      Reply created = conforms("POST", "/api/v1/policies",
          keyed.post("/api/v1/policies", body, "X-API-Key", operatorKey));
      assertEquals(201, created.status(), created::toString);
      assertEquals("olivia", created.data().get("createdBy").asText());
      String id = created.data().get("id").asText();
      // agents may read
      Reply read = conforms("GET", "/api/v1/policies/{id}", keyed.get("/api/v1/policies/" + id, "X-API-Key", agentKey));
      assertEquals(200, read.status(), read::toString);
      assertError(conforms("POST", "/api/v1/policies/rollback",
          keyed.post("/api/v1/policies/rollback", null, "X-API-Key", agentKey)), 403, "insufficient_scope");
      assertError(conforms("POST", "/api/v1/policies/rollback",
          keyed.post("/api/v1/policies/rollback", null, "X-API-Key", operatorKey)), 409, "no_active_policy");
      assertError(conforms("GET", "/api/v1/policies", keyed.get("/api/v1/policies")), 401, "authentication_required");
    }
    assertEquals(List.of(), problems);
  }

  private static String key(TestNode n, String admin, String tenant, String principal, String scope) {
    ObjectNode body = TestNode.object().put("tenantId", tenant).put("principal", principal);
    body.putArray("scopes").add(scope);
    Reply r = n.post("/api/v1/admin/keys", body, "X-API-Key", admin);
    assertEquals(201, r.status(), r::toString);
    return r.data().get("key").asText();
  }
}
