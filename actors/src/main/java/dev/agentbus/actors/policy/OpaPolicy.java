package dev.agentbus.actors.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.governance.AsyncPolicyStep;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.Reason;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.pattern.CircuitBreaker;
import org.apache.pekko.pattern.CircuitBreakerOpenException;

/**
 * An external policy decision point: Open Policy Agent's REST data API ({@code POST
 * {url}/v1/data/{path}} with {@code {"input": {message, sender, recipient}}}), behind Pekko's
 * {@link CircuitBreaker}. The answer's {@code result.allow} (or a bare boolean {@code result}) must be
 * {@code true} for the message to pass.
 *
 * <p>Fail closed. {@code opa_denied}: OPA said no, or gave no decision (an undefined document, a
 * {@code result} without a boolean {@code allow}). {@code opa_unavailable}: the call failed (connection,
 * timeout, a non-2xx status, a body that is not JSON) or the breaker is open. Failures count against the
 * breaker: {@code max-failures} consecutive ones open it, no call is made for {@code reset-timeout}, then one
 * probe call is let through (half-open) and its success closes the breaker again.
 */
public final class OpaPolicy implements AsyncPolicyStep {

  public static final String DENIED = "opa_denied";
  public static final String UNAVAILABLE = "opa_unavailable";
  /** Decision annotation: {@code allow}, {@code deny} or {@code unavailable}. */
  public static final String ANNOTATION = "opa.decision";

  /** The breaker's state and what OPA decided since the node started. */
  public record Stats(String breaker, long allowed, long denied, long unavailable) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OpaSettings settings;
  private final OpaClient client;
  private final CircuitBreaker breaker;
  private final LongAdder allowed = new LongAdder();
  private final LongAdder denied = new LongAdder();
  private final LongAdder unavailable = new LongAdder();

  private OpaPolicy(OpaSettings settings, OpaClient client, CircuitBreaker breaker) {
    this.settings = settings;
    this.client = client;
    this.breaker = breaker;
  }

  /** Over HTTP ({@link OpaClient#http}). */
  public static OpaPolicy create(OpaSettings settings, Scheduler scheduler) {
    return create(settings, OpaClient.http(settings), scheduler);
  }

  public static OpaPolicy create(OpaSettings settings, OpaClient client, Scheduler scheduler) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(scheduler, "scheduler");
    CircuitBreaker breaker = CircuitBreaker.create(scheduler, settings.maxFailures(), settings.callTimeout(),
        settings.resetTimeout());
    return new OpaPolicy(settings, client, breaker);
  }

  @Override
  public CompletionStage<Verdict> evaluateAsync(GovernanceRequest request) {
    String body;
    try {
      body = JSON.writeValueAsString(JSON.createObjectNode().set("input", input(request)));
    } catch (JsonProcessingException | RuntimeException e) {
      return CompletableFuture.completedFuture(unavailable("the input for OPA could not be prepared"));
    }
    CompletionStage<Boolean> decision;
    try {
      decision = breaker.callWithCircuitBreakerCS(() -> client.post(body).thenApply(OpaPolicy::allows));
    } catch (RuntimeException e) {
      decision = CompletableFuture.failedFuture(e);
    }
    return decision.handle((allow, e) -> {
      if (e != null) return unavailable(why(e));
      if (allow) {
        allowed.increment();
        return new Verdict(Optional.empty(), List.of(), Map.of(ANNOTATION, "allow"));
      }
      denied.increment();
      return Verdict.deny(new Reason(DENIED, "Denied by the external policy (OPA data/" + settings.dataPath() + ")"),
          Map.of(ANNOTATION, "deny"));
    });
  }

  /** closed, open or half-open; and the decisions so far. */
  public Stats stats() {
    String state = breaker.isOpen() ? "open" : breaker.isHalfOpen() ? "half-open" : "closed";
    return new Stats(state, allowed.sum(), denied.sum(), unavailable.sum());
  }

  public OpaSettings settings() {
    return settings;
  }

  /**
   * True only for {@code {"result": {"allow": true}}} or {@code {"result": true}}; no decision is false.
   * A body that is not a JSON object throws: OPA is not working, which counts against the breaker.
   */
  static boolean allows(String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new OpaClient.OpaException("OPA's answer is not JSON");
    }
    if (root == null || !root.isObject()) throw new OpaClient.OpaException("OPA's answer is not a JSON object");
    JsonNode result = root.get("result");
    if (result == null) return false;
    if (result.isBoolean()) return result.booleanValue();
    JsonNode allow = result.get("allow");
    return allow != null && allow.isBoolean() && allow.booleanValue();
  }

  private Verdict unavailable(String why) {
    unavailable.increment();
    return Verdict.deny(new Reason(UNAVAILABLE, "The external policy (OPA) cannot decide: " + why
        + "; message refused"), Map.of(ANNOTATION, "unavailable"));
  }

  private static String why(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof CircuitBreakerOpenException) return "circuit breaker open";
    if (cause instanceof TimeoutException || cause instanceof java.net.http.HttpTimeoutException) return "timeout";
    if (cause instanceof OpaClient.OpaException) return cause.getMessage();
    return "call failed (" + cause.getClass().getSimpleName() + ")";
  }

  /** The SDK's field names, as the CEL variables (docs/policies.md); a missing profile is null. */
  static ObjectNode input(GovernanceRequest request) {
    AgentMessage m = request.message();
    ObjectNode in = JSON.createObjectNode();
    ObjectNode msg = in.putObject("message");
    msg.put("id", m.id() == null ? null : m.id().toString());
    msg.put("type", m.type() == null ? null : m.type().wire());
    msg.put("priority", m.priority().wire());
    msg.put("sourceAgentId", m.sourceAgentId());
    msg.put("targetAgentId", m.isBroadcast() ? null : m.targetAgentId());
    msg.put("broadcast", m.isBroadcast());
    msg.put("tenantId", m.tenantId());
    msg.set("payload", m.payload());
    msg.set("metadata", JSON.valueToTree(m.metadata()));
    msg.put("conversationId", m.conversationId());
    msg.put("correlationId", m.correlationId());
    msg.put("constitutionalHash", m.constitutionalHash());
    msg.put("timestamp", m.timestamp() == null ? null : m.timestamp().toString());
    in.set("sender", profile(request.sender()));
    in.set("recipient", profile(request.recipient()));
    return in;
  }

  private static JsonNode profile(AgentProfile p) {
    if (p == null) return JSON.nullNode();
    ObjectNode v = JSON.createObjectNode();
    v.put("id", p.id());
    v.put("name", p.name());
    v.put("type", p.type());
    v.put("tenantId", p.tenantId());
    v.put("maciRole", p.maciRole() == null ? null : p.maciRole().wire());
    v.set("capabilities", JSON.valueToTree(p.capabilities()));
    v.set("metadata", JSON.valueToTree(p.metadata()));
    v.put("status", p.status() == null ? null : p.status().wire());
    return v;
  }
}
