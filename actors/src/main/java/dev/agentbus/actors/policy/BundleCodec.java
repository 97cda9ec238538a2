package dev.agentbus.actors.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reading, writing and the canonical form of bundles. One place, so YAML and JSON cannot drift apart. */
final class BundleCodec {
  private BundleCodec() {}

  // a duplicate key must not silently replace a rule's expression
  static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
  static final ObjectMapper YAML = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  /** YAML is a superset of JSON, so one parser reads both. */
  static ConstitutionBundle parse(String text) {
    if (text == null || text.isBlank()) throw new InvalidBundleException("empty bundle");
    try {
      ConstitutionBundle b = YAML.readValue(text, ConstitutionBundle.class);
      if (b == null) throw new InvalidBundleException("empty bundle");
      return b;
    } catch (JsonProcessingException e) {
      for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
        if (t instanceof InvalidBundleException invalid) throw invalid;
      }
      String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      throw new InvalidBundleException("unreadable bundle: " + e.getOriginalMessage() + where, e);
    }
  }

  static String toJson(ConstitutionBundle b) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(b);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bundle not serializable", e);
    }
  }

  static String toYaml(ConstitutionBundle b) {
    try {
      return YAML.writeValueAsString(b);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bundle not serializable", e);
    }
  }

  /** Compact JSON, keys sorted at every level, without the signatures (they sign this form's digest). */
  static String canonical(ConstitutionBundle b) {
    ObjectNode tree = JSON.valueToTree(b);
    tree.remove("signatures");
    try {
      return JSON.writeValueAsString(sorted(tree));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bundle not serializable", e);
    }
  }

  static String sha256Hex(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> fields = new TreeMap<>();
      node.properties().forEach(e -> fields.put(e.getKey(), sorted(e.getValue())));
      ObjectNode out = JSON.createObjectNode();
      fields.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      node.forEach(n -> out.add(sorted(n)));
      return out;
    }
    return node;
  }

  /** A deep, unmodifiable copy of a JSON-like section (null values kept, as JSON has them). */
  static Map<String, Object> freeze(Map<String, ?> map) {
    if (map == null) return Map.of();
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(k, freezeValue(v)));
    return Collections.unmodifiableMap(out);
  }

  private static Object freezeValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), freezeValue(x)));
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(freezeValue(x)));
      return Collections.unmodifiableList(out);
    }
    return v;
  }
}
