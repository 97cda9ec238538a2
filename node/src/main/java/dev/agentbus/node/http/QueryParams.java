package dev.agentbus.node.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpRequest;

/**
 * The query string, read leniently: unknown parameters are ignored (contract 1.8), repeated keys are
 * kept, and a second {@code ?} (the TS WebSocket client appends {@code ?agentId=} blindly) separates
 * parameters like {@code &}. Bad values become 400 {@code invalid_query_parameter}.
 */
final class QueryParams {
  private final Map<String, List<String>> values;

  private QueryParams(Map<String, List<String>> values) {
    this.values = values;
  }

  static QueryParams of(HttpRequest request) {
    return parse(request.getUri().rawQueryString().orElse(""));
  }

  static QueryParams parse(String raw) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    for (String pair : raw.split("[&?]")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return new QueryParams(values);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("invalid_query_parameter", "The query string is not correctly encoded");
    }
  }

  /** The first non-empty value (TS drops empty values; the TS HITL client may send {@code page=}). */
  Optional<String> get(String name) {
    List<String> list = values.get(name);
    if (list == null) return Optional.empty();
    return list.stream().map(String::trim).filter(v -> !v.isEmpty()).findFirst();
  }

  int positiveInt(String name, int fallback) {
    Optional<String> text = get(name);
    if (text.isEmpty()) return fallback;
    try {
      int v = Integer.parseInt(text.get());
      if (v >= 1) return v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, "must be a positive integer");
  }

  boolean bool(String name) {
    Optional<String> text = get(name);
    if (text.isEmpty()) return false;
    return switch (text.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw invalid(name, "must be true or false");
    };
  }

  static ApiError invalid(String name, String message) {
    return ApiError.of(400, "invalid_query_parameter", "Query parameter '" + name + "' " + message,
        Map.of(name, List.of(message)));
  }
}
