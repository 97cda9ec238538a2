package dev.agentbus.actors.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.Tenants;
import dev.cel.common.values.NullValue;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CEL variables of one decision, as plain maps (documented in docs/policies.md). Absent strings are
 * {@code ""} and absent profiles empty maps, so rules compare instead of testing for null; absent
 * timestamps are left out ({@code has(message.expiresAt)}).
 */
final class PolicyVariables {
  private PolicyVariables() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static Map<String, Object> message(AgentMessage m) {
    Map<String, Object> v = new HashMap<>(24);
    v.put("id", m.id() == null ? "" : m.id().toString());
    v.put("type", m.type() == null ? "" : m.type().wire());
    v.put("priority", m.priority().wire());
    v.put("sourceAgentId", text(m.sourceAgentId()));
    v.put("targetAgentId", m.isBroadcast() ? "" : m.targetAgentId());
    v.put("broadcast", m.isBroadcast());
    v.put("tenantId", tenant(m.tenantId()));
    v.put("payload", m.payload() == null ? NullValue.NULL_VALUE : fromJson(m.payload()));
    v.put("payloadJson", payloadJson(m.payload()));
    v.put("metadata", m.metadata());
    v.put("conversationId", text(m.conversationId()));
    v.put("correlationId", text(m.correlationId()));
    v.put("idempotencyKey", text(m.idempotencyKey()));
    v.put("constitutionalHash", text(m.constitutionalHash()));
    if (m.timestamp() != null) v.put("timestamp", m.timestamp());
    if (m.expiresAt() != null) v.put("expiresAt", m.expiresAt());
    return Collections.unmodifiableMap(v);
  }

  static Map<String, Object> profile(AgentProfile p) {
    if (p == null) return Map.of();
    Map<String, Object> v = new HashMap<>(16);
    v.put("id", text(p.id()));
    v.put("name", text(p.name()));
    v.put("type", text(p.type()));
    v.put("tenantId", tenant(p.tenantId()));
    v.put("maciRole", p.maciRole() == null ? "" : p.maciRole().wire());
    v.put("capabilities", p.capabilities());
    v.put("metadata", p.metadata());
    v.put("status", p.status().wire());
    if (p.registeredAt() != null) v.put("registeredAt", p.registeredAt());
    if (p.lastSeen() != null) v.put("lastSeen", p.lastSeen());
    return Collections.unmodifiableMap(v);
  }

  static Map<String, Object> context(Instant now, long senderRate, long tenantRate, Duration window) {
    ZonedDateTime utc = now.atZone(ZoneOffset.UTC);
    Map<String, Object> v = new HashMap<>(12);
    v.put("now", now);
    v.put("epochSeconds", now.getEpochSecond());
    v.put("hour", (long) utc.getHour());
    // 0 = Sunday, as CEL's getDayOfWeek()
    v.put("dayOfWeek", (long) (utc.getDayOfWeek().getValue() % 7));
    v.put("senderRate", senderRate);
    v.put("tenantRate", tenantRate);
    v.put("windowSeconds", window.toSeconds());
    return Collections.unmodifiableMap(v);
  }

  static Map<String, Object> bundle(ConstitutionBundle b, String digest) {
    return Map.of("id", b.id(), "version", b.version(), "constitutionalHash", b.constitutionalHash(),
        "digest", digest);
  }

  static String tenant(String tenantId) {
    String t = Tenants.normalize(tenantId);
    return t == null ? "" : t;
  }

  /** JSON as CEL sees it: objects as maps, numbers as int (long) or double, null as CEL null. */
  static Object fromJson(JsonNode n) {
    switch (n.getNodeType()) {
      case OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        n.properties().forEach(e -> map.put(e.getKey(), fromJson(e.getValue())));
        return Collections.unmodifiableMap(map);
      }
      case ARRAY: {
        List<Object> list = new ArrayList<>(n.size());
        n.forEach(x -> list.add(fromJson(x)));
        return Collections.unmodifiableList(list);
      }
      case STRING:
        return n.textValue();
      case BOOLEAN:
        return n.booleanValue();
      case NUMBER:
        return n.canConvertToLong() && n.isIntegralNumber() ? (Object) n.longValue() : (Object) n.doubleValue();
      case NULL:
      case MISSING:
        return NullValue.NULL_VALUE;
      default:
        // binary or POJO nodes do not come out of a JSON parser; their text is the safest view
        return n.asText();
    }
  }

  private static String payloadJson(JsonNode payload) {
    if (payload == null) return "";
    try {
      return JSON.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("payload cannot be serialized", e);
    }
  }

  private static String text(String s) {
    return s == null ? "" : s;
  }
}
