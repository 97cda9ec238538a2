package dev.agentbus.actors.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.cel.common.values.NullValue;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CEL variables of one decision, built lazily: each field of {@code message}, {@code sender},
 * {@code recipient} and {@code context} is computed the first time a rule reads it (and then kept for the
 * other rules), and a whole variable's map ({@link PolicyVariables}' layout, for CEL and for rules that use
 * a variable as a value) only when asked for. A field's value is exactly what the variable's map holds
 * under that name, {@link #ABSENT} when the map has no such key. Not thread-safe: one per decision.
 */
final class DecisionInputs {

  /** The variable's map has no such key (an unknown field, an absent timestamp). */
  static final Object ABSENT = new Object();

  static final int MESSAGE = 0;
  static final int SENDER = 1;
  static final int RECIPIENT = 2;
  static final int CONTEXT = 3;
  static final int BUNDLE = 4;

  /** The fields of {@code message}, in the order its map is built. */
  static final List<String> MESSAGE_FIELDS = List.of("id", "type", "priority", "sourceAgentId", "targetAgentId",
      "broadcast", "tenantId", "payload", "payloadJson", "metadata", "conversationId", "correlationId",
      "idempotencyKey", "constitutionalHash", "timestamp", "expiresAt");
  static final List<String> PROFILE_FIELDS = List.of("id", "name", "type", "tenantId", "maciRole", "capabilities",
      "metadata", "status", "registeredAt", "lastSeen");
  static final List<String> CONTEXT_FIELDS = List.of("now", "epochSeconds", "hour", "dayOfWeek", "senderRate",
      "tenantRate", "windowSeconds");

  private static final int M = MESSAGE_FIELDS.size();
  private static final int P = PROFILE_FIELDS.size();
  private static final int SENDER_BASE = M;
  private static final int RECIPIENT_BASE = M + P;
  private static final int CONTEXT_BASE = M + 2 * P;
  private static final int FIELDS = CONTEXT_BASE + CONTEXT_FIELDS.size();

  /**
   * The id of field {@code field} of variable {@code slot} (one of the constants above), or -1 when it is
   * not one the variable's map can hold (or the variable is {@code bundle}, kept as a map).
   */
  static int fieldId(int slot, String field) {
    int i;
    switch (slot) {
      case MESSAGE:
        return MESSAGE_FIELDS.indexOf(field);
      case SENDER:
        i = PROFILE_FIELDS.indexOf(field);
        return i < 0 ? -1 : SENDER_BASE + i;
      case RECIPIENT:
        i = PROFILE_FIELDS.indexOf(field);
        return i < 0 ? -1 : RECIPIENT_BASE + i;
      case CONTEXT:
        i = CONTEXT_FIELDS.indexOf(field);
        return i < 0 ? -1 : CONTEXT_BASE + i;
      default:
        return -1;
    }
  }

  private final AgentMessage message;
  private final AgentProfile sender;
  private final AgentProfile recipient;
  private final Instant now;
  private final long senderRate;
  private final long tenantRate;
  private final Duration window;
  private final Map<String, Object> bundle;
  private final Object[] values = new Object[FIELDS];
  private final Object[] maps = new Object[5];
  private ZonedDateTime utc;
  // the payload's text when the pipeline's structure step already wrote it, else null
  private final String payloadJson;

  DecisionInputs(AgentMessage message, AgentProfile sender, AgentProfile recipient, String payloadJson, Instant now,
      long senderRate, long tenantRate, Duration window, Map<String, Object> bundle) {
    this.message = message;
    this.payloadJson = payloadJson;
    this.sender = sender;
    this.recipient = recipient;
    this.now = now;
    this.senderRate = senderRate;
    this.tenantRate = tenantRate;
    this.window = window;
    this.bundle = bundle;
    maps[BUNDLE] = bundle;
  }

  /** Field {@code id} (from {@link #fieldId}): its value, or {@link #ABSENT}. */
  Object field(int id) {
    Object v = values[id];
    if (v == null) {
      v = compute(id);
      values[id] = v;
    }
    return v;
  }

  /** The whole variable in {@code slot} as a map, as CEL sees it. */
  Object variable(int slot) {
    Object v = maps[slot];
    if (v == null) {
      v = build(slot);
      maps[slot] = v;
    }
    return v;
  }

  private Map<String, Object> build(int slot) {
    switch (slot) {
      case MESSAGE:
        return map(0, MESSAGE_FIELDS);
      case SENDER:
        return sender == null ? Map.of() : map(SENDER_BASE, PROFILE_FIELDS);
      case RECIPIENT:
        return recipient == null ? Map.of() : map(RECIPIENT_BASE, PROFILE_FIELDS);
      case CONTEXT:
        return map(CONTEXT_BASE, CONTEXT_FIELDS);
      default:
        return bundle;
    }
  }

  private Map<String, Object> map(int base, List<String> names) {
    Map<String, Object> v = new HashMap<>(names.size() * 2);
    for (int i = 0; i < names.size(); i++) {
      Object x = field(base + i);
      if (x != ABSENT) v.put(names.get(i), x);
    }
    return Collections.unmodifiableMap(v);
  }

  private Object compute(int id) {
    if (id < SENDER_BASE) return messageField(id);
    if (id < RECIPIENT_BASE) return profileField(sender, id - SENDER_BASE);
    if (id < CONTEXT_BASE) return profileField(recipient, id - RECIPIENT_BASE);
    return contextField(id - CONTEXT_BASE);
  }

  private Object messageField(int i) {
    AgentMessage m = message;
    switch (i) {
      case 0: return m.id() == null ? "" : m.id().toString();
      case 1: return m.type() == null ? "" : m.type().wire();
      case 2: return m.priority().wire();
      case 3: return text(m.sourceAgentId());
      case 4: return m.isBroadcast() ? "" : m.targetAgentId();
      case 5: return m.isBroadcast();
      case 6: return PolicyVariables.tenant(m.tenantId());
      case 7: return m.payload() == null ? NullValue.NULL_VALUE : PolicyVariables.fromJson(m.payload());
      case 8: {
        // the structure step's text when the pipeline handed it over (the same characters), else written here
        return payloadJson != null ? payloadJson : PolicyVariables.payloadJson(m.payload());
      }
      case 9: return m.metadata();
      case 10: return text(m.conversationId());
      case 11: return text(m.correlationId());
      case 12: return text(m.idempotencyKey());
      case 13: return text(m.constitutionalHash());
      case 14: return m.timestamp() != null ? m.timestamp() : ABSENT;
      default: return m.expiresAt() != null ? m.expiresAt() : ABSENT;
    }
  }

  private static Object profileField(AgentProfile p, int i) {
    // no profile: an empty map
    if (p == null) return ABSENT;
    switch (i) {
      case 0: return text(p.id());
      case 1: return text(p.name());
      case 2: return text(p.type());
      case 3: return PolicyVariables.tenant(p.tenantId());
      case 4: return p.maciRole() == null ? "" : p.maciRole().wire();
      case 5: return p.capabilities();
      case 6: return p.metadata();
      case 7: return p.status().wire();
      case 8: return p.registeredAt() != null ? p.registeredAt() : ABSENT;
      default: return p.lastSeen() != null ? p.lastSeen() : ABSENT;
    }
  }

  private Object contextField(int i) {
    switch (i) {
      case 0: return now;
      case 1: return now.getEpochSecond();
      case 2: return (long) utc().getHour();
      // 0 = Sunday, as CEL's getDayOfWeek()
      case 3: return (long) (utc().getDayOfWeek().getValue() % 7);
      case 4: return senderRate;
      case 5: return tenantRate;
      default: return window.toSeconds();
    }
  }

  private ZonedDateTime utc() {
    if (utc == null) utc = now.atZone(ZoneOffset.UTC);
    return utc;
  }

  private static String text(String s) {
    return s == null ? "" : s;
  }

  /**
   * True when serializing {@code payload} to {@code payloadJson} cannot fail: null, or an object of plain
   * values (strings, numbers, booleans, nulls). Otherwise the caller serializes it up front, so a payload
   * that cannot be serialized still fails the whole decision's inputs as it always did.
   */
  static boolean surelySerializable(JsonNode payload) {
    if (payload == null) return true;
    if (!payload.isObject()) return false;
    for (JsonNode v : payload) {
      switch (v.getNodeType()) {
        case STRING:
        case NUMBER:
        case BOOLEAN:
        case NULL:
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** Computes {@code message.payloadJson} now (it may throw, as building the inputs always could). */
  void preparePayloadJson() {
    field(8);
  }
}
