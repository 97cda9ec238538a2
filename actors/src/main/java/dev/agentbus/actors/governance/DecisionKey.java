package dev.agentbus.actors.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.ShortNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The key of a cached decision: every input the cached steps read, held by reference, with the hash
 * computed once. Never the content alone (inventory section 10, W2): the sender, both profiles, the
 * tenant, type, priority, hash, ids of the conversation, the metadata, the payload and the identity of
 * every cached policy step (a bundle's digest) must all be equal for a hit.
 *
 * <p>Left out are only what no cached step reads: the message id, timestamp and expiry (checked on every
 * call), and the profiles' {@code registeredAt} and {@code lastSeen} (a bundle reading them is never cached).
 *
 * <p>Equality is stricter than the inputs' own {@code equals}, so that equal keys always mean the same
 * decision: payloads are compared node by node with their node classes, object fields in order (Jackson's
 * {@code equals} ignores field order and would call {@code {"a":1,"b":2}} and {@code {"b":2,"a":1}} equal,
 * yet their JSON text differs, and rules and the injection filter read the text), numbers by class and exact
 * value (so {@code 1.0} and {@code 1.00}, {@code 1} and {@code 1.0} differ); maps are compared in iteration
 * order. A stricter test can only cost a miss, never a wrong hit.
 */
final class DecisionKey {

  /** The key for no cached policy step at all. */
  static final List<Object> NO_POLICY = List.of();

  private final String source;
  private final String target;
  private final String tenant;
  private final MessageType type;
  private final Priority priority;
  private final String constitutionalHash;
  private final String conversationId;
  private final String correlationId;
  private final String idempotencyKey;
  private final Map<String, String> metadata;
  private final JsonNode payload;
  private final AgentProfile sender;
  private final AgentProfile recipient;
  private final boolean registryEmpty;
  private final List<Object> policy;
  private final int hash;

  private DecisionKey(AgentMessage m, AgentProfile sender, AgentProfile recipient, boolean registryEmpty,
      List<Object> policy, int hash) {
    this.source = m.sourceAgentId();
    this.target = m.targetAgentId();
    this.tenant = m.tenantId();
    this.type = m.type();
    this.priority = m.priority();
    this.constitutionalHash = m.constitutionalHash();
    this.conversationId = m.conversationId();
    this.correlationId = m.correlationId();
    this.idempotencyKey = m.idempotencyKey();
    this.metadata = m.metadata();
    this.payload = m.payload();
    this.sender = sender;
    this.recipient = recipient;
    this.registryEmpty = registryEmpty;
    this.policy = policy;
    this.hash = hash;
  }

  /** How large and deep a payload may be and still be cached. */
  record Limits(int maxPayloadLength, int maxPayloadDepth) {}

  /**
   * The key of this request under these cached policy steps' identities, or null when its payload cannot be
   * cached: a node class other than Jackson's plain ones, deeper than the limit, or surely longer than the
   * limit (fields, nodes and text are counted as they are hashed, a lower bound of the JSON text's length).
   * The payload is referenced, not copied: use {@link #toStore()} for the key to put in the cache.
   */
  static DecisionKey of(GovernanceRequest request, List<Object> policy, Limits limits) {
    AgentMessage m = request.message();
    Budget budget = new Budget(limits.maxPayloadLength());
    int payloadHash = m.payload() == null ? 0 : hash(m.payload(), budget, limits.maxPayloadDepth());
    if (budget.left < 0) return null;
    int h = payloadHash;
    h = 31 * h + Objects.hashCode(m.sourceAgentId());
    h = 31 * h + Objects.hashCode(m.targetAgentId());
    h = 31 * h + Objects.hashCode(m.tenantId());
    // enums by ordinal: the same hash in every run (Enum.hashCode is an identity hash)
    h = 31 * h + ordinal(m.type());
    h = 31 * h + ordinal(m.priority());
    h = 31 * h + Objects.hashCode(m.constitutionalHash());
    h = 31 * h + Objects.hashCode(m.conversationId());
    h = 31 * h + Objects.hashCode(m.correlationId());
    h = 31 * h + Objects.hashCode(m.idempotencyKey());
    h = 31 * h + m.metadata().hashCode();
    h = 31 * h + profileHash(request.sender());
    h = 31 * h + profileHash(request.recipient());
    h = 31 * h + Boolean.hashCode(request.registryEmpty());
    h = 31 * h + policy.hashCode();
    return new DecisionKey(m, request.sender(), request.recipient(), request.registryEmpty(), policy, h);
  }

  /**
   * The same key holding its own copy of the payload: Jackson nodes are mutable, and a key in the cache must
   * not change after it was put there. Everything else it holds is immutable (strings, enums, records whose
   * lists and maps are copied into unmodifiable ones).
   */
  DecisionKey toStore() {
    return new DecisionKey(this, payload == null ? null : payload.deepCopy());
  }

  private DecisionKey(DecisionKey k, JsonNode payload) {
    this.source = k.source;
    this.target = k.target;
    this.tenant = k.tenant;
    this.type = k.type;
    this.priority = k.priority;
    this.constitutionalHash = k.constitutionalHash;
    this.conversationId = k.conversationId;
    this.correlationId = k.correlationId;
    this.idempotencyKey = k.idempotencyKey;
    this.metadata = k.metadata;
    this.payload = payload;
    this.sender = k.sender;
    this.recipient = k.recipient;
    this.registryEmpty = k.registryEmpty;
    this.policy = k.policy;
    this.hash = k.hash;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof DecisionKey k) || k.hash != hash) return false;
    return Objects.equals(source, k.source)
        && Objects.equals(target, k.target)
        && Objects.equals(tenant, k.tenant)
        && type == k.type
        && priority == k.priority
        && registryEmpty == k.registryEmpty
        && Objects.equals(constitutionalHash, k.constitutionalHash)
        && Objects.equals(conversationId, k.conversationId)
        && Objects.equals(correlationId, k.correlationId)
        && Objects.equals(idempotencyKey, k.idempotencyKey)
        && (policy == k.policy || policy.equals(k.policy))
        && sameInOrder(metadata, k.metadata)
        && sameProfile(sender, k.sender)
        && sameProfile(recipient, k.recipient)
        && samePayload(payload, k.payload);
  }

  @Override
  public String toString() {
    return "DecisionKey[" + source + " -> " + target + ", tenant " + tenant + ", " + type + ", policy " + policy + "]";
  }

  // ---- profiles: every field but the timestamps ----

  private static int profileHash(AgentProfile p) {
    if (p == null) return 0;
    int h = Objects.hashCode(p.id());
    h = 31 * h + Objects.hashCode(p.name());
    h = 31 * h + Objects.hashCode(p.type());
    h = 31 * h + Objects.hashCode(p.tenantId());
    h = 31 * h + ordinal(p.maciRole());
    h = 31 * h + p.capabilities().hashCode();
    h = 31 * h + p.metadata().hashCode();
    return 31 * h + ordinal(p.status());
  }

  private static int ordinal(Enum<?> e) {
    return e == null ? -1 : e.ordinal();
  }

  private static boolean sameProfile(AgentProfile a, AgentProfile b) {
    if (a == b) return true;
    if (a == null || b == null) return false;
    return Objects.equals(a.id(), b.id())
        && Objects.equals(a.name(), b.name())
        && Objects.equals(a.type(), b.type())
        && Objects.equals(a.tenantId(), b.tenantId())
        && a.maciRole() == b.maciRole()
        && a.status() == b.status()
        && a.capabilities().equals(b.capabilities())
        && sameInOrder(a.metadata(), b.metadata());
  }

  /** Equal and in the same iteration order (a rule could see the order, e.g. through a macro's result). */
  private static boolean sameInOrder(Map<String, String> a, Map<String, String> b) {
    if (a == b) return true;
    if (a.size() != b.size()) return false;
    Iterator<Map.Entry<String, String>> i = a.entrySet().iterator();
    Iterator<Map.Entry<String, String>> j = b.entrySet().iterator();
    while (i.hasNext()) {
      Map.Entry<String, String> x = i.next();
      Map.Entry<String, String> y = j.next();
      if (!x.getKey().equals(y.getKey()) || !x.getValue().equals(y.getValue())) return false;
    }
    return true;
  }

  // ---- payloads: node classes, field order and exact values ----

  /** What is left of the length limit; below zero, the payload is not cached. */
  private static final class Budget {
    int left;

    Budget(int left) {
      this.left = left;
    }
  }

  private static int hash(JsonNode n, Budget budget, int depthLeft) {
    // at least one character per node (the structure's brackets, commas and colons are not even counted)
    budget.left -= 1;
    if (budget.left < 0) return 0;
    Class<?> c = n.getClass();
    if (c == ObjectNode.class || c == ArrayNode.class) {
      if (depthLeft <= 0) {
        budget.left = -1;
        return 0;
      }
      int h = c == ObjectNode.class ? 1 : 2;
      if (c == ObjectNode.class) {
        for (Map.Entry<String, JsonNode> f : n.properties()) {
          budget.left -= f.getKey().length();
          h = 31 * (31 * h + f.getKey().hashCode()) + hash(f.getValue(), budget, depthLeft - 1);
          if (budget.left < 0) return 0;
        }
      } else {
        for (int i = 0, size = n.size(); i < size; i++) {
          h = 31 * h + hash(n.get(i), budget, depthLeft - 1);
          if (budget.left < 0) return 0;
        }
      }
      return h;
    }
    if (c == TextNode.class) {
      budget.left -= n.textValue().length();
      return n.textValue().hashCode();
    }
    if (c == IntNode.class || c == ShortNode.class) return 3 * 31 + n.intValue();
    if (c == LongNode.class) return 4 * 31 + Long.hashCode(n.longValue());
    if (c == DoubleNode.class) return 5 * 31 + Long.hashCode(Double.doubleToLongBits(n.doubleValue()));
    if (c == FloatNode.class) return 6 * 31 + Float.floatToIntBits(n.floatValue());
    if (c == DecimalNode.class) return 7 * 31 + n.decimalValue().hashCode();
    if (c == BigIntegerNode.class) return 8 * 31 + n.bigIntegerValue().hashCode();
    if (c == BooleanNode.class) return n.booleanValue() ? 9 : 10;
    if (c == NullNode.class) return 11;
    // binary, POJO, missing or a subclass: its JSON text is not surely a function of what is compared here
    budget.left = -1;
    return 0;
  }

  /** Only called on keys that {@link #of} accepted, so only on the node classes it knows. */
  private static boolean samePayload(JsonNode a, JsonNode b) {
    if (a == b) return true;
    if (a == null || b == null || a.getClass() != b.getClass() || a.size() != b.size()) return false;
    Class<?> c = a.getClass();
    if (c == ObjectNode.class) {
      Iterator<Map.Entry<String, JsonNode>> i = a.properties().iterator();
      Iterator<Map.Entry<String, JsonNode>> j = b.properties().iterator();
      while (i.hasNext()) {
        Map.Entry<String, JsonNode> x = i.next();
        Map.Entry<String, JsonNode> y = j.next();
        if (!x.getKey().equals(y.getKey()) || !samePayload(x.getValue(), y.getValue())) return false;
      }
      return true;
    }
    if (c == ArrayNode.class) {
      for (int i = 0, size = a.size(); i < size; i++) {
        if (!samePayload(a.get(i), b.get(i))) return false;
      }
      return true;
    }
    if (c == TextNode.class) return a.textValue().equals(b.textValue());
    if (c == IntNode.class || c == ShortNode.class) return a.intValue() == b.intValue();
    if (c == LongNode.class) return a.longValue() == b.longValue();
    if (c == DoubleNode.class) return Double.doubleToLongBits(a.doubleValue()) == Double.doubleToLongBits(b.doubleValue());
    if (c == FloatNode.class) return Float.floatToIntBits(a.floatValue()) == Float.floatToIntBits(b.floatValue());
    // BigDecimal.equals compares the scale too: 1.0 and 1.00 are written differently
    if (c == DecimalNode.class) return a.decimalValue().equals(b.decimalValue());
    if (c == BigIntegerNode.class) return a.bigIntegerValue().equals(b.bigIntegerValue());
    if (c == BooleanNode.class) return a.booleanValue() == b.booleanValue();
    return c == NullNode.class;
  }
}
