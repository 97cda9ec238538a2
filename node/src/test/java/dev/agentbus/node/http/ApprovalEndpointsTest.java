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
import dev.agentbus.actors.deliberation.DeliberationCodes;
import dev.agentbus.actors.deliberation.VoteChoice;
import dev.agentbus.actors.deliberation.VotingStrategy;
import dev.agentbus.actors.support.ManualClock;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.node.http.TestNode.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
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

  private static String keyWithRoles(String tenant, String principal, String... roles) {
    ObjectNode body = TestNode.object().put("tenantId", tenant).put("principal", principal);
    body.putArray("scopes").add("operator");
    var r = body.putArray("roles");
    for (String role : roles) r.add(role);
    Reply issued = node.post("/api/v1/admin/keys", body, "X-API-Key", admin);
    assertEquals(201, issued.status(), issued::toString);
    return issued.data().get("key").asText();
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

  private static AgentMessage critical(String sender, String recipient, String tenant) throws Exception {
    return new AgentMessage(UUID.randomUUID(), MessageType.COMMAND, Priority.CRITICAL, sender, recipient, tenant,
        TestNode.JSON.readTree("{\"command\":\"deploy\"}"), null, null, HASH, Instant.now(), null, null, Map.of());
  }

  private static String agent(String tenant, MaciRole role, String... capabilities) {
    return await(node.bus.register(new Registration(null, "a", "llm", tenant, role, List.of(capabilities),
        Map.of()))).id();
  }

  /**
   * Expires a held message the way its deliberation does at the deadline, with a clock the test moves: a
   * deliberation of the message outside sharding, on the node's ledger and queue; stopped afterwards, so that
   * the sharded one recovers the outcome from the journal.
   */
  private static void expireWithAManualClock(AgentMessage m, String recipient) {
    ManualClock clock = ManualClock.atNoon();
    var d = Deliberation.create(m.id().toString(), Deliberation.Settings.from(node.bus.deliberationSettings()),
        Deliberation.Ports.sharded(ClusterSharding.get(node.system), node.bus.settings().ledgerPartitions()), clock,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1));
    java.util.concurrent.CompletableFuture<Deliberation.Summary> opened = new java.util.concurrent.CompletableFuture<>();
    ActorRef<Object> host = node.system.systemActorOf(Behaviors.<Object>setup(ctx -> {
      ActorRef<Deliberation.Command> ref = ctx.spawn(d, "deliberation");
      ActorRef<StatusReply<Deliberation.Summary>> answers = ctx.messageAdapter(
          StatusReply.class, r -> r).unsafeUpcast();
      ref.tell(new Deliberation.Open(new Deliberation.Proposal(m, List.of(recipient), List.of(), 0.9, List.of(),
          Map.of(), VotingStrategy.SUPER_MAJORITY, 0.66, 3, List.of(), clock.instant().plusSeconds(300)), answers));
      return Behaviors.receiveMessage(msg -> {
        if (msg instanceof StatusReply<?> r && !opened.isDone()) {
          opened.complete((Deliberation.Summary) r.getValue());
          clock.advance(Duration.ofSeconds(300));
          ref.tell(Deliberation.CheckDeadline.INSTANCE);
          return Behaviors.same();
        }
        return Behaviors.stopped();
      });
    }), "expiry-" + m.id(), org.apache.pekko.actor.typed.Props.empty());
    await(opened);
    TestNode.awaitTrue(() -> await(node.bus.readInbox(m.sourceAgentId(), InboxQuery.all())).items().stream()
        .anyMatch(i -> i.message().type() == MessageType.GOVERNANCE_RESPONSE
            && i.message().payload().path("outcome").asText().equals("expired")), "the sender told of the expiry");
    host.tell("stop");
  }

  @Test
  void everyFinalOutcomeIsAGovernanceDecisionIncludingVotesAloneAndExpiry() throws Exception {
    String tenant = tenant();
    String alice = key(tenant, "alice@example.com");
    String sender = agent(tenant, MaciRole.EXECUTIVE);
    String recipient = agent(tenant, MaciRole.EXECUTIVE);
    String supervisor = agent(tenant, MaciRole.JUDICIAL, "supervisor");
    String compliance = agent(tenant, MaciRole.JUDICIAL, "compliance");
    String judge = agent(tenant, MaciRole.JUDICIAL);
    String base = "/api/v1/governance";

    // decided by agent votes alone: no human ever looked at it
    AgentMessage voted = critical(sender, recipient, tenant);
    assertEquals(MessageStatus.PENDING_DELIBERATION, await(node.bus.send(voted)).status());
    for (String v : List.of(supervisor, compliance, judge)) await(node.bus.vote(voted.id(), v, VoteChoice.APPROVE, "ok"));
    assertEquals(Deliberation.Outcome.APPROVED, await(node.bus.deliberation(voted.id())).outcome());

    // rejected by a refused signature
    AgentMessage refused = critical(sender, recipient, tenant);
    await(node.bus.send(refused));
    await(node.bus.vote(refused.id(), compliance, VoteChoice.REJECT, "not compliant"));

    // expired at the deadline
    AgentMessage expired = critical(sender, recipient, tenant);
    expireWithAManualClock(expired, recipient);

    Reply all = conforms("GET", "/api/v1/governance/decisions",
        node.get(base + "/decisions?pageSize=50", "X-API-Key", alice));
    assertEquals(3, all.data().get("total").asInt(), all::toString);

    Reply byVotes = conforms("GET", "/api/v1/governance/decisions",
        node.get(base + "/decisions?requestId=" + voted.id(), "X-API-Key", alice));
    assertEquals(1, byVotes.data().get("total").asInt(), byVotes::toString);
    JsonNode approve = byVotes.data().get("data").get(0);
    assertEquals("approve", approve.get("decision").asText());
    assertEquals(List.of(compliance, judge, supervisor).stream().sorted().toList(),
        TestNode.JSON.convertValue(approve.get("reviewerIds"), List.class).stream().sorted().toList());
    assertEquals(0, approve.get("policyViolations").size());
    Reply one = conforms("GET", "/api/v1/governance/decisions/{id}",
        node.get(base + "/decisions/" + approve.get("id").asText(), "X-API-Key", alice));
    assertEquals(voted.id().toString(), one.data().get("requestId").asText());

    JsonNode deniedBySigner = conforms("GET", "/api/v1/governance/decisions", node.get(base + "/decisions?requestId="
        + refused.id(), "X-API-Key", alice)).data().get("data").get(0);
    assertEquals("deny", deniedBySigner.get("decision").asText());
    assertEquals(DeliberationCodes.REJECTED_BY_SIGNER, deniedBySigner.get("policyViolations").get(0).asText());
    assertEquals(compliance, deniedBySigner.get("reviewerIds").get(0).asText());

    JsonNode deniedByExpiry = conforms("GET", "/api/v1/governance/decisions", node.get(base + "/decisions?requestId="
        + expired.id(), "X-API-Key", alice)).data().get("data").get(0);
    assertEquals("deny", deniedByExpiry.get("decision").asText());
    assertEquals(DeliberationCodes.EXPIRED, deniedByExpiry.get("policyViolations").get(0).asText());
    assertEquals(0, deniedByExpiry.get("reviewerIds").size());

    Reply denials = node.get(base + "/decisions?decision=deny", "X-API-Key", alice);
    assertEquals(2, denials.data().get("total").asInt(), denials::toString);
    // the decided held messages stay listed as approval requests too
    Reply listed = conforms("GET", "/api/v1/governance/approvals",
        node.get(base + "/approvals?status=approved", "X-API-Key", alice));
    assertEquals(voted.id().toString(), listed.data().get("data").get(0).get("id").asText(), listed::toString);
    noProblems();
  }

  @Test
  void aPolicyRequestIsDecidedByTheRolesOfTheApproversKeys() {
    String tenant = tenant();
    String requester = key(tenant, "dev@example.com");
    String noRole = key(tenant, "intern@example.com");
    String security = keyWithRoles(tenant, "sec@example.com", "security_team");
    String compliance = keyWithRoles(tenant, "comp@example.com", "Compliance_Team");
    String base = "/api/v1/governance";

    ObjectNode create = TestNode.object().put("requestType", "model_deployment").put("riskScore", 75)
        .put("policy", "auto");
    create.putObject("payload").put("model", "m1");
    Reply created = conforms("POST", "/api/v1/governance/approvals",
        node.post(base + "/approvals", create, "X-API-Key", requester));
    assertEquals(201, created.status(), created::toString);
    assertEquals("high_risk_action", created.data().get("policy").asText(), "chosen by risk 75");
    assertEquals(2, created.data().get("requiredApprovers").asInt());
    assertTrue(created.data().get("requireAllRoles").asBoolean());
    String id = created.data().get("id").asText();

    ObjectNode approve = TestNode.object().put("decision", "approve").put("reasoning", "checked");
    assertError(conforms("POST", "/api/v1/governance/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", noRole)), 403,
        "approver_role_required");
    Reply half = conforms("POST", "/api/v1/governance/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", security));
    assertEquals("pending", half.data().get("status").asText(), half::toString);
    Reply done = conforms("POST", "/api/v1/governance/approvals/{id}/decisions",
        node.post(base + "/approvals/" + id + "/decisions", approve, "X-API-Key", compliance));
    assertEquals("approved", done.data().get("status").asText(), done::toString);

    // the standard policy approves a low-risk request by itself
    ObjectNode low = TestNode.object().put("requestType", "read_only").put("riskScore", 10)
        .put("policy", "standard_request");
    low.putObject("payload");
    Reply auto = conforms("POST", "/api/v1/governance/approvals",
        node.post(base + "/approvals", low, "X-API-Key", requester));
    assertEquals("approved", auto.data().get("status").asText(), auto::toString);

    // bad input: a 4xx with a reason, never a 500
    ObjectNode unknown = TestNode.object().put("requestType", "x").put("policy", "no_such_policy");
    unknown.putObject("payload");
    assertError(conforms("POST", "/api/v1/governance/approvals",
        node.post(base + "/approvals", unknown, "X-API-Key", requester)), 422, "validation_failed");
    ObjectNode badRoles = TestNode.object().put("tenantId", tenant).put("principal", "p");
    badRoles.putArray("scopes").add("operator");
    badRoles.putArray("roles").add("not a role!");
    assertError(node.post("/api/v1/admin/keys", badRoles, "X-API-Key", admin), 422, "validation_failed");

    Reply config = node.get("/api/v1/hitl-approvals/config", "X-API-Key", requester);
    assertEquals(4, config.data().get("policies").size(), config::toString);
    noProblems();
  }
}
