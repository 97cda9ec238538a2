package dev.agentbus.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;

/** A small client of the node's HTTP API with the headers the SDKs send; answers the envelope's {@code data}. */
final class ApiClient {
  static final String HASH = "cdd01ef066bc6cf2";
  static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** The server refused, or could not be reached; the message is what the operator sees. */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private final ClientOptions options;
  private final HttpClient http;
  private final String base;

  ApiClient(ClientOptions options) {
    this.options = options;
    this.base = options.url.endsWith("/") ? options.url.substring(0, options.url.length() - 1) : options.url;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(options.timeoutSeconds)).build();
  }

  JsonNode get(String path) {
    return send("GET", path, null);
  }

  JsonNode post(String path, JsonNode body) {
    return send("POST", path, body);
  }

  JsonNode put(String path, JsonNode body) {
    return send("PUT", path, body);
  }

  private JsonNode send(String method, String path, JsonNode body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(options.timeoutSeconds))
        .header("Content-Type", "application/json")
        .header("X-Constitutional-Hash", HASH)
        .header("X-Request-ID", UUID.randomUUID().toString())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(compact(body)));
    if (options.key != null && !options.key.isBlank()) b.header("X-API-Key", options.key.trim());
    if (options.tenant != null && !options.tenant.isBlank()) b.header("X-Tenant-ID", options.tenant.trim());
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Failure("cannot reach " + base + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    JsonNode envelope;
    try {
      envelope = JSON.readTree(r.body());
    } catch (JsonProcessingException e) {
      throw new Failure("HTTP " + r.statusCode() + " without a JSON body from " + base + path);
    }
    if (r.statusCode() >= 400 || envelope == null || !envelope.path("success").asBoolean()) {
      JsonNode error = envelope == null ? JSON.nullNode() : envelope.path("error");
      String reasons = error.path("details").path("reasons").isArray()
          ? " (reasons: " + error.path("details").path("reasons") + ")" : "";
      String retry = r.headers().firstValue("Retry-After").map(s -> "; retry after " + s + " s").orElse("");
      throw new Failure("HTTP " + r.statusCode() + " " + error.path("code").asText("error") + ": "
          + error.path("message").asText("") + reasons + retry);
    }
    return envelope.path("data");
  }

  /** One path segment, percent-encoded (agent ids may contain {@code @} or {@code :}). */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String query(Map<String, Object> params) {
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    params.forEach((k, v) -> {
      if (v != null) q.add(k + "=" + URLEncoder.encode(v.toString(), StandardCharsets.UTF_8));
    });
    return q.toString();
  }

  /** Indented, for --json. */
  static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** On one line, for tables. */
  static String compact(JsonNode node) {
    try {
      return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
