package dev.agentbus.node.http;

import static dev.agentbus.node.http.TestNode.HASH;
import static dev.agentbus.node.http.TestNode.assertEnvelope;
import static dev.agentbus.node.http.TestNode.assertError;
import static dev.agentbus.node.http.TestNode.assertUuid;
import static dev.agentbus.node.http.TestNode.assertZ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.deliberation.Deliberation;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.node.http.TestNode.Reply;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The approvals API with API keys on (the requester and approvers are key principals): the HITL example of
 * contract section 6 (steps 2-9), the rules at the edge, held messages as approval requests, governance
 * decisions, and every answer checked against docs/openapi.yaml.
 */
class ApprovalEndpointsTest {

  @TempDir
  static Path dataDir;

  private static TestNode node;
  private static String admin;
  private static final OpenApiContract contract = OpenApiContract.load();
  private final List<String> problems = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.withKeys("agentbus.approvals.required-approvers = 2\nagentbus.approvals.held-required-approvers = 2");
    admin = BootstrapKey.ensure(node.system, Optional.empty(), dataDir).toCompletableFuture()
        .get(60, TimeUnit.SECONDS).orElseThrow();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String tenant() {
    String id = "t-" + UUID.randomUUID();
    Reply r = node.post("/api/v1/admin/tenants", TestNode.object().put("id", id).put("name", "Tenant " + id),
        "X-API-Key", admin);
    assertEquals(201, r.status(), r::toString);
    return id;
  }

  private static String key(String tenant, String principal) {
    ObjectNode body = TestNode.object().put("tenantId", tenant).put("principal", principal);
    body.putArray("scopes").add("operator");
    Reply r = node.post("/api/v1/admin/keys", body, "X-API-Key", admin);
    assertEquals(201, r.status(), r::toString);
    return r.data().get("key").asText();
  }

  private static <T> T await(CompletionStage<T> stage) {
    return stage.toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
  }

  /** The SDK's ApprovalRequest (contract section 3). */
  private static void assertApprovalRequest(JsonNode a) {
    assertUuid(a.get("id").asText());
    assertTrue(a.get("requestType").isTextual(), a::toString);
    assertTrue(a.get("requesterId").isTextual(), a::toString);
    assertTrue(a.get("status").asText().matches("pending|approved|rejected|escalated|expired"), a::toString);
    assertTrue(a.get("riskScore").asDouble() >= 0 && a.get("riskScore").asDouble() <= 100, a::toString);
    assertTrue(a.get("requiredApprovers").asInt() >= 1, a::toString);
    assertTrue(a.get("currentApprovals").isInt(), a::toString);
    for (JsonNode d : a.get("decisions")) {
      assertTrue(d.get("approverId").isTextual(), a::toString);
      assertTrue(d.get("decision").asText().matches("approved|rejected"), a::toString);
      assertZ(d.get("timestamp").asText());
    }
    assertTrue(a.get("payload").isObject(), a::toString);
    assertZ(a.get("createdAt").asText());
    if (a.has("expiresAt")) assertZ(a.get("expiresAt").asText());
    assertEquals(HASH, a.get("constitutionalHash").asText());
  }

  private Reply conforms(String method, String template, Reply r) {
    assertEnvelope(r);
    problems.addAll(contract.check(method, template, r.status(), r.body()).stream()
        .map(p -> p + " (" + r.raw() + ")").toList());
    return r;
  }

  private void noProblems() {
    assertEquals(List.of(), problems);
  }

  @Test
  void theHitlExampleOfContractSectionSixRunsStepsTwoToNine() {
    String tenant = tenant();
    String requester = key(tenant, "deployer@example.com");
    String alice = key(tenant, "alice@example.com");
    String base = "/api/v1/hitl-approvals";

    // 2. create
    ObjectNode create = TestNode.object().put("requestType", "model_deployment").put("riskScore", 65)
        .put("constitutionalHash", HASH);
    ObjectNode payload = create.putObject("payload").put("model_name", "fraud-detector").put("version", "2.1.0")
        .put("deployment_environment", "production");
    payload.putObject("risk_assessment").put("risk_level", "medium").put("rollback_plan", "blue-green")
        .putArray("impact_areas").add("payments");
    payload.putObject("performance_metrics").put("accuracy", 0.97).put("precision", 0.95).put("recall", 0.93);
    Reply created = conforms("POST", "/api/v1/hitl-approvals/approvals",
        node.post(base + "/approvals", create, "X-API-Key", requester));
    assertEquals(201, created.status(), created::toString);
    JsonNode request = created.data();
    assertApprovalRequest(request);
    String id = request.get("id").asText();
    assertEquals("pending", request.get("status").asText());
    assertEquals(2, request.get("requiredApprovers").asInt());
    assertEquals("deployer@example.com", request.get("requesterId").asText());

    // 3. list pending
    Reply list = conforms("GET", "/api/v1/hitl-approvals/approvals",
        node.get(base + "/approvals?page=1&pageSize=10&status=pending", "X-API-Key", alice));
    assertEquals(200, list.status(), list::toString);
    assertEquals(1, list.data().get("total").asInt());
    assertEquals(id, list.data().get("data").get(0).get("id").asText());

    // 4. get
    Reply one = conforms("GET", "/api/v1/hitl-approvals/approvals/{id}",
        node.get(base + "/approvals/" + id, "X-API-Key", alice));
    assertEquals(65.0, one.data().get("riskScore").asDouble());
    assertEquals(0, one.data().get("currentApprovals").asInt());

    // 5. approve (as alice: the requester may not)
    ObjectNode approve = TestNode.object().put("decision", "approve").put("reasoning", "metrics look good")
        .put("timestamp", Instant.now().toString()).put("constitutionalHash", HASH);
    assertError(conforms("POST", "/api/v1/hitl-approvals/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", requester)), 403, "self_approval");
    Reply decided = conforms("POST", "/api/v1/hitl-approvals/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", alice));
    assertEquals(200, decided.status(), decided::toString);
    assertApprovalRequest(decided.data());
    assertEquals("pending", decided.data().get("status").asText());
    assertEquals("approved", decided.data().get("decisions").get(0).get("decision").asText());
    assertEquals("alice@example.com", decided.data().get("decisions").get(0).get("approverId").asText());
    assertError(conforms("POST", "/api/v1/hitl-approvals/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", alice)), 409, "already_decided");

    // 6. pending for alice: she has decided, so nothing; for bob: the request
    Reply forAlice = conforms("GET", "/api/v1/hitl-approvals/approvals/pending/{userId}",
        node.get(base + "/approvals/pending/alice@example.com?page=1&pageSize=5", "X-API-Key", alice));
    assertEquals(0, forAlice.data().get("data").size());
    Reply forBob = node.get(base + "/approvals/pending/bob@example.com?page=1&pageSize=5", "X-API-Key", alice);
    assertEquals(1, forBob.data().get("data").size());

    // 7. config, 8. metrics
    Reply config = conforms("GET", "/api/v1/hitl-approvals/config", node.get(base + "/config", "X-API-Key", alice));
    assertEquals(2, config.data().get("defaultRequiredApprovers").asInt());
    String today = LocalDate.now(java.time.ZoneOffset.UTC).toString();
    Reply metrics = conforms("GET", "/api/v1/hitl-approvals/metrics",
        node.get(base + "/metrics?startDate=" + today + "&endDate=" + today, "X-API-Key", alice));
    assertEquals(1, metrics.data().get("totalRequests").asInt());
    assertEquals(1, metrics.data().get("pending").asInt());

    // 9. escalate (still pending: two approvers are required)
    Reply escalated = conforms("POST", "/api/v1/hitl-approvals/approvals/{id}/escalate",
        node.post(base + "/approvals/" + id + "/escalate",
            TestNode.object().put("reason", "Urgent production deployment required for critical business feature"),
            "X-API-Key", alice));
    assertEquals(200, escalated.status(), escalated::toString);
    assertEquals("escalated", escalated.data().get("status").asText());
    assertEquals(2, escalated.data().get("escalationLevel").asInt());
    noProblems();
  }

  @Test
  void governanceMountsTheSameApiAndRecordsOneDecisionPerOutcome() {
    String tenant = tenant();
    String requester = key(tenant, "ops@example.com");
    String alice = key(tenant, "alice@example.com");
    String bob = key(tenant, "bob@example.com");
    String base = "/api/v1/governance";
    ObjectNode create = TestNode.object().put("requestType", "policy_change").put("riskScore", 75)
        .put("requiredApprovers", 2).put("constitutionalHash", HASH);
    create.putObject("payload").put("policy", "p1");
    Reply created = conforms("POST", "/api/v1/governance/approvals",
        node.post(base + "/approvals", create, "X-API-Key", requester));
    String id = created.data().get("id").asText();
    ObjectNode approve = TestNode.object().put("decision", "approve").put("reasoning", "ok");
    node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", alice);
    Reply done = node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", bob);
    assertEquals("approved", done.data().get("status").asText());
    assertEquals(2, done.data().get("currentApprovals").asInt());

    // a second request is rejected by one rejection, a third is cancelled (no governance decision)
    String second = node.post(base + "/approvals", create, "X-API-Key", requester).data().get("id").asText();
    Reply rejected = node.post(base + "/approvals/" + second + "/decisions",
        TestNode.object().put("decision", "reject").put("reasoning", "too risky"), "X-API-Key", alice);
    assertEquals("rejected", rejected.data().get("status").asText());
    String third = node.post(base + "/approvals", create, "X-API-Key", requester).data().get("id").asText();
    assertError(conforms("POST", "/api/v1/governance/approvals/{id}/cancel",
        node.post(base + "/approvals/" + third + "/cancel", TestNode.object(), "X-API-Key", alice)), 403, "not_requester");
    Reply cancelled = conforms("POST", "/api/v1/governance/approvals/{id}/cancel",
        node.post(base + "/approvals/" + third + "/cancel", TestNode.object().putNull("reason"), "X-API-Key", requester));
    assertEquals(true, cancelled.data().get("cancelled").asBoolean());

    Reply decisions = conforms("GET", "/api/v1/governance/decisions",
        node.get(base + "/decisions?page=1&pageSize=10", "X-API-Key", alice));
    assertEquals(2, decisions.data().get("total").asInt(), decisions::toString);
    Reply approvedOnly = node.get(base + "/decisions?decision=approve", "X-API-Key", alice);
    assertEquals(1, approvedOnly.data().get("total").asInt());
    JsonNode d = approvedOnly.data().get("data").get(0);
    assertEquals(id, d.get("requestId").asText());
    assertEquals(List.of("alice@example.com", "bob@example.com"),
        List.of(d.get("reviewerIds").get(0).asText(), d.get("reviewerIds").get(1).asText()));
    Reply one = conforms("GET", "/api/v1/governance/decisions/{id}",
        node.get(base + "/decisions/" + d.get("id").asText(), "X-API-Key", alice));
    assertEquals("approve", one.data().get("decision").asText());
    assertError(conforms("GET", "/api/v1/governance/decisions/{id}",
        node.get(base + "/decisions/" + UUID.randomUUID(), "X-API-Key", alice)), 404, "decision_not_found");

    // another tenant sees none of it
    String stranger = key(tenant(), "eve@example.com");
    assertError(conforms("GET", "/api/v1/governance/approvals/{id}",
        node.get(base + "/approvals/" + id, "X-API-Key", stranger)), 404, "approval_not_found");
    assertError(conforms("POST", "/api/v1/governance/approvals",
        node.post(base + "/approvals", TestNode.object().put("riskScore", 120), "X-API-Key", requester)), 422,
        "validation_failed");
    noProblems();
  }

  @Test
  void aHeldCriticalMessageIsAnApprovalRequestAndHumanApprovalDeliversItOnce() throws Exception {
    String tenant = tenant();
    String alice = key(tenant, "alice@example.com");
    String bob = key(tenant, "bob@example.com");
    String sender = await(node.bus.register(new Registration(null, "s", "llm", tenant, MaciRole.EXECUTIVE, List.of(),
        Map.of()))).id();
    String recipient = await(node.bus.register(new Registration(null, "r", "llm", tenant, MaciRole.EXECUTIVE,
        List.of(), Map.of()))).id();
    AgentMessage m = new AgentMessage(UUID.randomUUID(), MessageType.COMMAND, Priority.CRITICAL, sender, recipient,
        tenant, TestNode.JSON.readTree("{\"command\":\"deploy\"}"), null, null, HASH, Instant.now(), null, null,
        Map.of());
    assertEquals(MessageStatus.PENDING_DELIBERATION, await(node.bus.send(m)).status());
    String id = m.id().toString();
    String base = "/api/v1/hitl-approvals";

    Reply list = conforms("GET", "/api/v1/hitl-approvals/approvals",
        node.get(base + "/approvals?status=pending", "X-API-Key", alice));
    assertEquals(1, list.data().get("total").asInt(), list::toString);
    JsonNode held = list.data().get("data").get(0);
    assertApprovalRequest(held);
    assertEquals(id, held.get("id").asText());
    assertEquals("held_message", held.get("requestType").asText());
    assertEquals(sender, held.get("requesterId").asText());
    assertEquals(id, held.get("payload").get("messageId").asText());
    assertEquals(recipient, held.get("payload").get("targetAgentId").asText());
    assertTrue(held.get("payload").get("reasons").size() > 0, held::toString);
    assertEquals(held.get("payload").get("impactScore").asDouble() * 100, held.get("riskScore").asDouble(), 1e-9);

    ObjectNode approve = TestNode.object().put("decision", "approve").put("reasoning", "expected deploy");
    Reply first = conforms("POST", "/api/v1/hitl-approvals/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", alice));
    assertEquals(200, first.status(), first::toString);
    assertEquals("pending", first.data().get("status").asText());
    assertEquals(Deliberation.Phase.COLLECTING, await(node.bus.deliberation(m.id())).phase());
    Reply second = node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", bob);
    assertEquals("approved", second.data().get("status").asText(), second::toString);
    assertError(node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", bob), 409, "approval_closed");

    TestNode.awaitTrue(() -> await(node.bus.deliberation(m.id())).outcome() == Deliberation.Outcome.APPROVED,
        "the deliberation settled by the humans");
    TestNode.awaitTrue(() -> await(node.bus.readInbox(recipient, InboxQuery.all())).items().stream()
        .anyMatch(i -> i.message().id().equals(m.id())), "delivery");
    long copies = await(node.bus.readInbox(recipient, InboxQuery.all())).items().stream()
        .filter(i -> i.message().id().equals(m.id())).count();
    assertEquals(1, copies);
    Reply after = conforms("GET", "/api/v1/hitl-approvals/approvals/{id}",
        node.get(base + "/approvals/" + id, "X-API-Key", alice));
    assertEquals("approved", after.data().get("status").asText());
    assertEquals(2, after.data().get("currentApprovals").asInt());
    assertError(node.post(base + "/approvals/" + id + "/cancel", TestNode.object(), "X-API-Key", alice), 409,
        "held_message_not_cancellable");
    noProblems();
  }
}
