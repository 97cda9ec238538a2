package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the fields of a JSON request body and collects every problem before refusing, so a 422 lists
 * them all as {@code {field: [messages]}} (the shape TS puts in {@code validationErrors}). A JSON
 * {@code null} counts as absent (Python sends explicit nulls; contract 1.3). Unknown fields are ignored.
 */
final class Fields {
  private final ObjectNode body;
  private final Map<String, List<String>> errors = new LinkedHashMap<>();

  Fields(ObjectNode body) {
    this.body = body;
  }

  /** The field, or empty when it is missing or null. */
  Optional<JsonNode> node(String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() || n.isMissingNode() ? Optional.empty() : Optional.of(n);
  }

  boolean has(String field) {
    return node(field).isPresent();
  }

  String requiredString(String field, int maxLength) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) {
      fail(field, "is required");
      return null;
    }
    return string(field, n.get(), maxLength, false);
  }

  String optionalString(String field, int maxLength) {
    return node(field).map(n -> string(field, n, maxLength, true)).orElse(null);
  }

  private String string(String field, JsonNode n, int maxLength, boolean blankIsAbsent) {
    if (!n.isTextual()) {
      fail(field, "must be a string");
      return null;
    }
    String s = n.textValue();
    if (s.isBlank()) {
      if (!blankIsAbsent) fail(field, "must not be blank");
      return null;
    }
    if (s.length() > maxLength) {
      fail(field, "must be at most " + maxLength + " characters");
      return null;
    }
    return s;
  }

  List<String> requiredStringList(String field, int maxItems, int maxLength) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) {
      fail(field, "is required");
      return List.of();
    }
    if (!n.get().isArray()) {
      fail(field, "must be an array of strings");
      return List.of();
    }
    if (n.get().size() > maxItems) {
      fail(field, "must have at most " + maxItems + " items");
      return List.of();
    }
    List<String> out = new ArrayList<>(n.get().size());
    for (JsonNode item : n.get()) {
      if (!item.isTextual() || item.textValue().isBlank() || item.textValue().length() > maxLength) {
        fail(field, "must contain only non-blank strings of at most " + maxLength + " characters");
        return List.of();
      }
      out.add(item.textValue());
    }
    return out;
  }

  /** A {@code {string: string}} map (contract 1.9); null entries are dropped like absent fields. */
  Map<String, String> stringMap(String field, int maxEntries, int maxLength) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) return Map.of();
    if (!n.get().isObject()) {
      fail(field, "must be an object with string values");
      return Map.of();
    }
    if (n.get().size() > maxEntries) {
      fail(field, "must have at most " + maxEntries + " entries");
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : n.get().properties()) {
      JsonNode v = e.getValue();
      if (v.isNull()) continue;
      if (!v.isTextual()) {
        fail(field + "." + e.getKey(), "must be a string");
        continue;
      }
      if (e.getKey().isEmpty() || e.getKey().length() > maxLength || v.textValue().length() > maxLength) {
        fail(field + "." + e.getKey(), "keys and values must be 1 to " + maxLength + " characters");
        continue;
      }
      out.put(e.getKey(), v.textValue());
    }
    return out;
  }

  Instant optionalInstant(String field) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) return null;
    if (!n.get().isTextual()) {
      fail(field, "must be an ISO-8601 date-time string");
      return null;
    }
    Optional<Instant> t = Timestamps.parse(n.get().textValue());
    if (t.isEmpty()) fail(field, "must be an ISO-8601 date-time, e.g. 2026-01-15T10:00:00Z");
    return t.orElse(null);
  }

  /** An enum given as a wire string; {@code parse} answers empty for an unknown value. */
  <E> E optionalEnum(String field, Function<String, Optional<E>> parse, String expected) {
    Optional<JsonNode> n = node(field);
    if (n.isEmpty()) return null;
    if (!n.get().isTextual()) {
      fail(field, "must be a string, one of " + expected);
      return null;
    }
    Optional<E> value = parse.apply(n.get().textValue());
    if (value.isEmpty()) fail(field, "must be one of " + expected);
    return value.orElse(null);
  }

  <E> E requiredEnum(String field, Function<String, Optional<E>> parse, String expected) {
    if (!has(field)) {
      fail(field, "is required");
      return null;
    }
    return optionalEnum(field, parse, expected);
  }

  void fail(String field, String message) {
    errors.computeIfAbsent(field, f -> new ArrayList<>()).add(message);
  }

  /** Throws the collected problems as one 422. */
  void check() {
    if (!errors.isEmpty()) throw ApiError.invalidFields(errors);
  }
}
