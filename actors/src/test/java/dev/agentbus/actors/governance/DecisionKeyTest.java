package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.AgentStatus;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The decision cache's key: every input of the cached steps is in it, and equal keys mean equal JSON text. */
class DecisionKeyTest {

  private static final DecisionKey.Limits LIMITS = new DecisionKey.Limits(4096, 32);
  private static final List<Object> POLICY = List.of("d".repeat(64));

  private static AgentProfile profile(String id, MaciRole role, String tenant) {
    return new AgentProfile(id, id, "worker", tenant, role, List.of("search"), Map.of("team", "blue"),
        AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON);
  }

  /** Every field set, so that each can be changed on its own. */
  private static AgentMessage base() {
    return new AgentMessage(UUID.randomUUID(), MessageType.COMMAND, Priority.NORMAL, "alice", "bob", "a",
        json("{\"command\":\"status\",\"n\":1}"), "conv", "corr", Fixtures.HASH, Fixtures.NOON, null, "idem",
        Map.of("env", "prod"));
  }

  private static GovernanceRequest request(AgentMessage m) {
    return new GovernanceRequest(m, profile("alice", MaciRole.EXECUTIVE, "a"), profile("bob", MaciRole.LEGISLATIVE, "a"),
        false);
  }

  private static DecisionKey key(GovernanceRequest r) {
    return DecisionKey.of(r, POLICY, LIMITS);
  }

  private static AgentMessage with(UnaryOperator<Object[]> change) {
    AgentMessage m = base();
    Object[] f = {m.id(), m.type(), m.priority(), m.sourceAgentId(), m.targetAgentId(), m.tenantId(), m.payload(),
        m.conversationId(), m.correlationId(), m.constitutionalHash(), m.timestamp(), m.expiresAt(),
        m.idempotencyKey(), m.metadata()};
    f = change.apply(f);
    @SuppressWarnings("unchecked")
    Map<String, String> metadata = (Map<String, String>) f[13];
    return new AgentMessage((UUID) f[0], (MessageType) f[1], (Priority) f[2], (String) f[3], (String) f[4],
        (String) f[5], (JsonNode) f[6], (String) f[7], (String) f[8], (String) f[9], (Instant) f[10],
        (Instant) f[11], (String) f[12], metadata);
  }

  private static UnaryOperator<Object[]> set(int i, Object v) {
    return f -> {
      f[i] = v;
      return f;
    };
  }

  @Test
  void everyInputOfTheCachedStepsChangesTheKey() {
    DecisionKey base = key(request(base()));
    List<AgentMessage> messages = List.of(
        with(set(1, MessageType.QUERY)),
        with(set(2, Priority.HIGH)),
        with(set(3, "mallory")),
        with(set(4, "carol")),
        with(set(4, null)),
        with(set(5, "b")),
        with(set(5, null)),
        with(set(6, json("{\"command\":\"stop\",\"n\":1}"))),
        with(set(7, "other")),
        with(set(8, "other")),
        with(set(9, "0000")),
        with(set(12, "other")),
        with(set(13, Map.of("env", "dev"))),
        with(set(13, Map.of())));
    for (AgentMessage m : messages) assertNotEquals(base, key(request(m)), m.toString());

    AgentMessage m = base();
    AgentProfile alice = profile("alice", MaciRole.EXECUTIVE, "a");
    AgentProfile bob = profile("bob", MaciRole.LEGISLATIVE, "a");
    List<GovernanceRequest> requests = List.of(
        new GovernanceRequest(m, null, bob, false),
        new GovernanceRequest(m, alice, null, false),
        new GovernanceRequest(m, alice, bob, true),
        new GovernanceRequest(m, profile("alice", MaciRole.JUDICIAL, "a"), bob, false),
        new GovernanceRequest(m, profile("alice", MaciRole.EXECUTIVE, "b"), bob, false),
        new GovernanceRequest(m, alice, profile("bob", MaciRole.JUDICIAL, "a"), false),
        new GovernanceRequest(m, new AgentProfile("alice", "Alice", "worker", "a", MaciRole.EXECUTIVE, List.of("search"),
            Map.of("team", "blue"), AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON), bob, false),
        new GovernanceRequest(m, new AgentProfile("alice", "alice", "worker", "a", MaciRole.EXECUTIVE, List.of(),
            Map.of("team", "blue"), AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON), bob, false),
        new GovernanceRequest(m, new AgentProfile("alice", "alice", "worker", "a", MaciRole.EXECUTIVE, List.of("search"),
            Map.of("team", "red"), AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON), bob, false),
        new GovernanceRequest(m, new AgentProfile("alice", "alice", "worker", "a", MaciRole.EXECUTIVE, List.of("search"),
            Map.of("team", "blue"), AgentStatus.SUSPENDED, Fixtures.NOON, Fixtures.NOON), bob, false),
        new GovernanceRequest(m, new AgentProfile("alice", "alice", "bot", "a", MaciRole.EXECUTIVE, List.of("search"),
            Map.of("team", "blue"), AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON), bob, false));
    for (GovernanceRequest r : requests) assertNotEquals(base, key(r), r.toString());

    assertNotEquals(base, DecisionKey.of(request(base()), List.of("e".repeat(64)), LIMITS), "another bundle");
    assertNotEquals(base, DecisionKey.of(request(base()), DecisionKey.NO_POLICY, LIMITS), "no cached policy step");
  }

  @Test
  void theIdTheTimestampsAndTheProfilesTimestampsAreNotInTheKey() {
    DecisionKey base = key(request(base()));
    assertEquals(base, key(request(with(set(0, UUID.randomUUID())))));
    assertEquals(base, key(request(with(set(0, null)))), "the id is checked on every call instead");
    assertEquals(base, key(request(with(set(10, Fixtures.NOON.plusSeconds(5))))));
    assertEquals(base, key(request(with(set(11, Fixtures.NOON.plusSeconds(5))))), "expiry: checked on every call");
    AgentProfile seenLater = new AgentProfile("alice", "alice", "worker", "a", MaciRole.EXECUTIVE, List.of("search"),
        Map.of("team", "blue"), AgentStatus.ACTIVE, Fixtures.NOON, Fixtures.NOON.plusSeconds(60));
    assertEquals(base, key(new GovernanceRequest(base(), seenLater, profile("bob", MaciRole.LEGISLATIVE, "a"), false)));
    assertEquals(base.hashCode(), key(request(base())).hashCode());
  }

  @Test
  void payloadsAreComparedByNodeClassFieldOrderAndExactValue() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    List<JsonNode[]> pairs = List.of(
        new JsonNode[] {json("{\"a\":1,\"b\":2}"), json("{\"b\":2,\"a\":1}")},
        new JsonNode[] {f.objectNode().put("n", new BigDecimal("1.0")), f.objectNode().put("n", new BigDecimal("1.00"))},
        new JsonNode[] {f.objectNode().put("n", 1), f.objectNode().put("n", 1L)},
        new JsonNode[] {f.objectNode().put("n", 1), f.objectNode().put("n", 1.0)},
        new JsonNode[] {f.objectNode().put("n", 0.0), f.objectNode().put("n", -0.0)},
        new JsonNode[] {f.objectNode().put("n", "1"), f.objectNode().put("n", 1)},
        new JsonNode[] {f.objectNode().putNull("n"), f.objectNode().put("n", "null")},
        new JsonNode[] {json("{\"l\":[1,2]}"), json("{\"l\":[2,1]}")});
    for (JsonNode[] p : pairs) {
      assertNotEquals(key(request(with(set(6, p[0])))), key(request(with(set(6, p[1])))), p[0] + " vs " + p[1]);
    }
    assertEquals(key(request(with(set(6, json("{\"a\":{\"b\":[1,2.5,\"x\",true,null]}}"))))),
        key(request(with(set(6, json("{\"a\":{\"b\":[1,2.5,\"x\",true,null]}}"))))), "equal text, equal keys");
  }

  @Test
  void metadataInAnotherIterationOrderIsAnotherKey() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    // AgentMessage copies metadata with Map.copyOf; whatever order results, equal keys need the same order
    AgentMessage x = with(set(13, ab));
    AgentMessage y = with(set(13, ba));
    boolean sameOrder = List.copyOf(x.metadata().keySet()).equals(List.copyOf(y.metadata().keySet()));
    assertEquals(sameOrder, key(request(x)).equals(key(request(y))));
  }

  @Test
  void theStoredKeyOwnsItsPayload() {
    ObjectNode payload = (ObjectNode) json("{\"command\":\"status\"}");
    DecisionKey lookup = key(request(with(set(6, payload))));
    DecisionKey stored = lookup.toStore();
    assertEquals(lookup, stored);
    payload.put("command", "stop");
    assertEquals(stored, key(request(with(set(6, json("{\"command\":\"status\"}"))))), "unchanged by the sender's node");
  }

  @Test
  void payloadsTooLongTooDeepOrOfUnknownNodeKindsHaveNoKey() {
    assertNull(key(request(with(set(6, json("{\"s\":\"" + "x".repeat(4096) + "\"}"))))));
    ObjectNode deep = JsonNodeFactory.instance.objectNode();
    ObjectNode at = deep;
    for (int i = 0; i < 40; i++) at = at.putObject("a");
    assertNull(key(request(with(set(6, deep)))));
    assertNull(key(request(with(set(6, JsonNodeFactory.instance.objectNode().put("b", new byte[] {1, 2}))))));
    assertNull(key(request(with(set(6, JsonNodeFactory.instance.objectNode().putPOJO("p", new Object()))))));
    assertNotNull(key(request(with(set(6, null)))), "no payload: refused by the structure step, never stored");
  }
}
