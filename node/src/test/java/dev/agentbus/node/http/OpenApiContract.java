package dev.agentbus.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a real response against docs/openapi.yaml: the path, method and status must be documented,
 * and a JSON body must satisfy the response schema. A small JSON Schema subset (the one the file uses:
 * $ref, allOf, oneOf, anyOf, type, properties, required, additionalProperties, items, enum, const,
 * format date-time/uuid, minimum, maximum, minLength, maxLength, pattern), enough to keep the file
 * from drifting away from the code.
 */
final class OpenApiContract {

  private static final Pattern UUID_RE =
      Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  // zod's z.string().datetime(): UTC with a Z suffix only
  private static final Pattern DATE_TIME_Z = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$");

  private final JsonNode root;

  private OpenApiContract(JsonNode root) {
    this.root = root;
  }

  static OpenApiContract load() {
    try {
      return new OpenApiContract(new ObjectMapper(new YAMLFactory()).readTree(Path.of("..", "docs", "openapi.yaml")
          .toFile()));
    } catch (IOException e) {
      throw new IllegalStateException("docs/openapi.yaml unreadable: " + e.getMessage(), e);
    }
  }

  /** Returns the problems found (empty when the response conforms). */
  List<String> check(String method, String pathTemplate, int status, JsonNode body) {
    List<String> problems = new ArrayList<>();
    JsonNode op = root.path("paths").path(pathTemplate).path(method.toLowerCase(Locale.ROOT));
    if (op.isMissingNode()) {
      problems.add(method + " " + pathTemplate + " is not documented");
      return problems;
    }
    JsonNode response = op.path("responses").path(Integer.toString(status));
    if (response.isMissingNode()) response = op.path("responses").path(status / 100 + "XX");
    if (response.isMissingNode()) response = op.path("responses").path("default");
    if (response.isMissingNode()) {
      problems.add(method + " " + pathTemplate + " does not document status " + status);
      return problems;
    }
    response = resolve(response);
    JsonNode schema = response.path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) return problems;
    if (body == null) {
      problems.add(method + " " + pathTemplate + " " + status + ": body is not JSON");
      return problems;
    }
    validate(schema, body, "$", problems);
    return problems;
  }

  private JsonNode resolve(JsonNode node) {
    while (node.has("$ref")) {
      String ref = node.get("$ref").asText();
      if (!ref.startsWith("#/")) throw new IllegalStateException("external $ref not supported: " + ref);
      JsonNode target = root;
      for (String part : ref.substring(2).split("/")) target = target.path(part.replace("~1", "/").replace("~0", "~"));
      if (target.isMissingNode()) throw new IllegalStateException("dangling $ref " + ref);
      node = target;
    }
    return node;
  }

  private void validate(JsonNode schemaNode, JsonNode value, String at, List<String> problems) {
    JsonNode schema = resolve(schemaNode);
    if (schema.has("allOf")) {
      for (JsonNode s : schema.get("allOf")) validate(s, value, at, problems);
    }
    if (schema.has("oneOf") || schema.has("anyOf")) {
      JsonNode options = schema.has("oneOf") ? schema.get("oneOf") : schema.get("anyOf");
      boolean any = false;
      for (JsonNode s : options) {
        List<String> p = new ArrayList<>();
        validate(s, value, at, p);
        if (p.isEmpty()) any = true;
      }
      if (!any) problems.add(at + ": matches none of the alternatives");
    }
    if (schema.has("const") && !schema.get("const").equals(value)) problems.add(at + ": not " + schema.get("const"));
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode e : schema.get("enum")) found |= e.equals(value);
      if (!found) problems.add(at + ": " + value + " not in " + schema.get("enum"));
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      problems.add(at + ": expected " + schema.get("type") + " but was " + value.getNodeType());
      return;
    }
    if (value.isTextual()) checkString(schema, value.asText(), at, problems);
    if (value.isNumber()) {
      if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) problems.add(at + ": below minimum");
      if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) problems.add(at + ": above maximum");
    }
    if (value.isObject()) checkObject(schema, value, at, problems);
    if (value.isArray() && schema.has("items")) {
      int i = 0;
      for (JsonNode item : value) validate(schema.get("items"), item, at + "[" + i++ + "]", problems);
    }
  }

  private void checkString(JsonNode schema, String s, String at, List<String> problems) {
    String format = schema.path("format").asText("");
    if (format.equals("uuid") && !UUID_RE.matcher(s).matches()) problems.add(at + ": not a uuid: " + s);
    if (format.equals("date-time")) {
      if (!DATE_TIME_Z.matcher(s).matches()) problems.add(at + ": not a UTC date-time with Z: " + s);
      else DateTimeFormatter.ISO_INSTANT.parse(s);
    }
    if (schema.has("minLength") && s.length() < schema.get("minLength").asInt()) problems.add(at + ": too short");
    if (schema.has("maxLength") && s.length() > schema.get("maxLength").asInt()) problems.add(at + ": too long");
    if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(s).find()) {
      problems.add(at + ": does not match " + schema.get("pattern").asText());
    }
  }

  private void checkObject(JsonNode schema, JsonNode value, String at, List<String> problems) {
    JsonNode props = schema.path("properties");
    for (JsonNode r : schema.path("required")) {
      if (!value.has(r.asText())) problems.add(at + ": missing required '" + r.asText() + "'");
    }
    for (Map.Entry<String, JsonNode> f : value.properties()) {
      String where = at + "." + f.getKey();
      if (f.getValue().isNull() && !allowsNull(props.path(f.getKey()))) {
        problems.add(where + ": null (optional fields must be left out)");
        continue;
      }
      if (props.has(f.getKey())) {
        validate(props.get(f.getKey()), f.getValue(), where, problems);
      } else if (schema.has("additionalProperties")) {
        JsonNode extra = schema.get("additionalProperties");
        if (extra.isBoolean() && !extra.asBoolean()) problems.add(where + ": not allowed");
        else if (extra.isObject()) validate(extra, f.getValue(), where, problems);
      }
    }
  }

  private boolean allowsNull(JsonNode schemaNode) {
    if (schemaNode.isMissingNode()) return true; // undeclared extra: no opinion
    JsonNode s = resolve(schemaNode);
    JsonNode type = s.path("type");
    if (type.isTextual()) return type.asText().equals("null");
    if (type.isArray()) for (JsonNode t : type) if (t.asText().equals("null")) return true;
    return type.isMissingNode() && !s.has("allOf") && !s.has("$ref");
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) if (typeMatches(t, value)) return true;
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber() || (value.isNumber() && value.asDouble() == Math.rint(value.asDouble()));
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> true;
    };
  }
}
