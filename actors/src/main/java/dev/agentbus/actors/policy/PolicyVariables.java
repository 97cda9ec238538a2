package dev.agentbus.actors.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.model.Tenants;
import dev.cel.common.values.NullValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Helpers for the CEL variables of one decision (documented in docs/policies.md; built, lazily, by
 * {@link DecisionInputs}). Absent strings are {@code ""} and absent profiles empty maps, so rules compare
 * instead of testing for null; absent timestamps are left out ({@code has(message.expiresAt)}).
 */
final class PolicyVariables {
  private PolicyVariables() {}

  private static final ObjectMapper JSON = new ObjectMapper();

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

  static String payloadJson(JsonNode payload) {
    if (payload == null) return "";
    try {
      return JSON.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("payload cannot be serialized", e);
    }
  }

}
