package dev.agentbus.actors.policy;

import static dev.agentbus.actors.policy.PolicyFixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentbus.actors.governance.Decision;
import dev.agentbus.actors.governance.GovernancePipeline;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.GovernanceSettings;
import dev.agentbus.actors.governance.OutputRegistry;
import dev.agentbus.actors.governance.PolicyStep;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The external OPA step against a small local HTTP server standing in for OPA's data API (no OPA binary
 * exists here): allow, deny, undefined decisions, unreadable answers, and the circuit breaker (opens after
 * the configured failures, makes no call while open, closes after a successful half-open probe).
 */
class OpaPolicyTest {

  private static final ActorTestKit testKit = ActorTestKit.create("OpaPolicyTest");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RESET = Duration.ofMillis(500);
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(800);

  /** What the fake OPA answers next: status and body; a negative status means "never answer in time". */
  private record Answer(int status, String body) {}

  private final AtomicReference<Answer> answer = new AtomicReference<>(new Answer(200, "{\"result\":{\"allow\":true}}"));
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicReference<JsonNode> lastInput = new AtomicReference<>();
  private final AtomicReference<String> lastPath = new AtomicReference<>();
  private HttpServer server;
  private OpaPolicy opa;

  private final AgentProfile exec = PolicyFixtures.agent("exec", MaciRole.EXECUTIVE, null, Map.of());
  private final AgentProfile target = PolicyFixtures.agent("target", MaciRole.EXECUTIVE, null, Map.of());

  @AfterAll
  static void shutDown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void startFakeOpa() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    OpaSettings settings = new OpaSettings(true, URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
        "/agentbus/policy/", Duration.ofSeconds(1), CALL_TIMEOUT, 3, RESET);
    opa = OpaPolicy.create(settings, testKit.system().classicSystem().scheduler());
  }

  @AfterEach
  void stopFakeOpa() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    calls.incrementAndGet();
    lastPath.set(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
    lastInput.set(JSON.readTree(ex.getRequestBody()));
    Answer a = answer.get();
    if (a.status() < 0) {
      try {
        Thread.sleep(CALL_TIMEOUT.toMillis() * 3);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
      return;
    }
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(a.status(), body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private GovernanceRequest request() {
    return msg().sender(exec).recipient(target).payload("{\"action\":\"report\"}").request();
  }

  private PolicyStep.Verdict ask() throws Exception {
    return opa.evaluateAsync(request()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The breaker counts a failure when the call's future completes, which may be just after our answer. */
  private void awaitBreaker(String state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!opa.stats().breaker().equals(state) && System.nanoTime() < deadline) Thread.sleep(10);
    assertEquals(state, opa.stats().breaker());
  }

  private static String code(PolicyStep.Verdict v) {
    return v.denial().map(r -> r.code()).orElse("allowed");
  }

  @Test
  void anAllowFromOpaLetsTheMessageThroughAndOpaSeesTheMessageAndProfiles() throws Exception {
    PolicyStep.Verdict v = ask();

    assertFalse(v.denied(), v::toString);
    assertEquals("allow", v.annotations().get(OpaPolicy.ANNOTATION));
    assertEquals("POST /v1/data/agentbus/policy", lastPath.get());
    JsonNode input = lastInput.get().get("input");
    assertEquals("exec", input.path("message").path("sourceAgentId").asText());
    assertEquals("report", input.path("message").path("payload").path("action").asText());
    assertEquals("executive", input.path("sender").path("maciRole").asText());
    assertEquals("target", input.path("recipient").path("id").asText());
  }

  @Test
  void aBareBooleanResultIsTheDecision() throws Exception {
    answer.set(new Answer(200, "{\"result\":true}"));
    assertFalse(ask().denied());
    answer.set(new Answer(200, "{\"result\":false}"));
    assertEquals(OpaPolicy.DENIED, code(ask()));
  }

  @Test
  void aDenyFromOpaDenies() throws Exception {
    answer.set(new Answer(200, "{\"result\":{\"allow\":false}}"));

    PolicyStep.Verdict v = ask();

    assertEquals(OpaPolicy.DENIED, code(v));
    assertEquals("deny", v.annotations().get(OpaPolicy.ANNOTATION));
  }

  @Test
  void noDecisionIsADenial() throws Exception {
    for (String body : List.of("{}", "{\"result\":{}}", "{\"result\":{\"allow\":\"yes\"}}", "{\"result\":42}")) {
      answer.set(new Answer(200, body));
      assertEquals(OpaPolicy.DENIED, code(ask()), body);
    }
    assertEquals("closed", opa.stats().breaker(), "a missing decision is OPA's answer, not its failure");
  }

  @Test
  void anUnreadableAnswerOrAnErrorStatusIsUnavailable() throws Exception {
    answer.set(new Answer(200, "not json"));
    assertEquals(OpaPolicy.UNAVAILABLE, code(ask()));
    answer.set(new Answer(404, "{\"code\":\"resource_not_found\"}"));
    assertEquals(OpaPolicy.UNAVAILABLE, code(ask()));
  }

  @Test
  void threeServerErrorsOpenTheBreakerAndNoCallIsMadeWhileItIsOpen() throws Exception {
    answer.set(new Answer(500, "{\"code\":\"internal_error\"}"));
    for (int i = 0; i < 3; i++) assertEquals(OpaPolicy.UNAVAILABLE, code(ask()));
    assertEquals(3, calls.get());
    awaitBreaker("open");

    answer.set(new Answer(200, "{\"result\":{\"allow\":true}}"));
    PolicyStep.Verdict whileOpen = ask();

    assertEquals(OpaPolicy.UNAVAILABLE, code(whileOpen), "fail closed even though OPA would now allow");
    assertTrue(whileOpen.denial().orElseThrow().message().contains("circuit breaker open"), whileOpen::toString);
    assertEquals(3, calls.get(), "no call while the breaker is open");
    assertEquals(4, opa.stats().unavailable());
  }

  @Test
  void aSuccessfulHalfOpenProbeClosesTheBreaker() throws Exception {
    answer.set(new Answer(500, "{}"));
    for (int i = 0; i < 3; i++) ask();
    awaitBreaker("open");

    answer.set(new Answer(200, "{\"result\":{\"allow\":true}}"));
    awaitBreaker("half-open");
    PolicyStep.Verdict probe = ask();

    assertFalse(probe.denied(), probe::toString);
    awaitBreaker("closed");
    assertEquals(4, calls.get());
  }

  @Test
  void aFailedHalfOpenProbeOpensTheBreakerAgain() throws Exception {
    answer.set(new Answer(500, "{}"));
    for (int i = 0; i < 3; i++) ask();
    awaitBreaker("open");
    awaitBreaker("half-open");

    assertEquals(OpaPolicy.UNAVAILABLE, code(ask()));

    awaitBreaker("open");
    assertEquals(4, calls.get());
  }

  @Test
  void anOpaThatDoesNotAnswerInTimeIsUnavailable() throws Exception {
    answer.set(new Answer(-1, ""));

    PolicyStep.Verdict v = ask();

    assertEquals(OpaPolicy.UNAVAILABLE, code(v));
    assertTrue(v.denial().orElseThrow().message().contains("timeout"), v::toString);
  }

  @Test
  void anUnreachableOpaIsUnavailable() throws Exception {
    server.stop(0);
    assertEquals(OpaPolicy.UNAVAILABLE, code(ask()));
  }

  @Test
  void inThePipelineAnOpaDenyDeniesAfterTheBundleAllowed() throws Exception {
    CompiledBundle bundle = CompiledBundle.compile(PolicyFixtures.bundle(
        PolicyFixtures.rule("no-deploys", "message.payload.?action.orValue('') == 'deploy'")),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    GovernancePipeline pipeline = GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY,
        OutputRegistry.bounded(10), List.of(bundle.asPolicyStep(), opa));

    Decision allowed = pipeline.evaluateAsync(request()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(Decision.Outcome.ALLOW, allowed.outcome(), allowed::toString);
    assertEquals("allow", allowed.annotations().get(OpaPolicy.ANNOTATION));
    assertEquals(bundle.digest(), allowed.annotations().get("policy.digest"));

    answer.set(new Answer(200, "{\"result\":{\"allow\":false}}"));
    Decision denied = pipeline.evaluateAsync(request()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(Decision.Outcome.DENY, denied.outcome());
    assertEquals(OpaPolicy.DENIED, denied.reasonCodes());
    assertEquals(OpaPolicy.DENIED, denied.annotations().get("rejection_reason"));

    Decision sync = pipeline.evaluate(request());
    assertEquals(OpaPolicy.DENIED, sync.reasonCodes(), "the synchronous evaluation waits for OPA");
  }

  @Test
  void aBundleDenialIsFinalAndOpaIsNotAsked() throws Exception {
    CompiledBundle bundle = CompiledBundle.compile(PolicyFixtures.bundle(
        PolicyFixtures.rule("no-reports", "message.payload.?action.orValue('') == 'report'")),
        PolicyFixtures.MONDAY, new PolicyFixtures.FakeRates());
    GovernancePipeline pipeline = GovernancePipeline.create(GovernanceSettings.defaults(), PolicyFixtures.MONDAY,
        OutputRegistry.bounded(10), List.of(bundle.asPolicyStep(), opa));

    Decision d = pipeline.evaluateAsync(request()).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertEquals("policy_denied:no-reports", d.reasonCodes());
    assertEquals(0, calls.get());
  }
}
