package dev.agentbus.actors.governance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.agentbus.actors.model.MaciRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads MACI role assignments (inventory 4.2) from a YAML or JSON file or from environment variables.
 *
 * <p>File shape: {@code strict_mode}, {@code default_role}, {@code agents: [{agent_id | id, role,
 * capabilities, metadata}]}; roles by value or name, any case. A file with an invalid role, a
 * duplicate agent or an entry without id or role is refused with {@link IllegalArgumentException}: a
 * silently dropped agent would only surface later as mysterious MACI denials.
 *
 * <p>Environment: {@code MACI_STRICT_MODE}, {@code MACI_DEFAULT_ROLE}, {@code MACI_AGENT_<ID>=<role>}
 * (the id is lower-cased) and {@code MACI_AGENT_<ID>_CAPABILITIES=a,b}. Invalid roles there are skipped,
 * as in the original.
 */
public final class MaciConfigLoader {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final String AGENT_PREFIX = "MACI_AGENT_";
  private static final String CAPABILITIES_SUFFIX = "_CAPABILITIES";

  private MaciConfigLoader() {}

  /**
   * One agent's entry.
   *
   * @param metadata free-form, carried for the registration layer; never interpreted here
   */
  public record AgentRoleConfig(
      String agentId, MaciRole role, List<String> capabilities, Map<String, Object> metadata) {
    public AgentRoleConfig {
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(role, "role");
      capabilities = capabilities == null ? List.of() : List.copyOf(capabilities);
      // metadata values may be null or nested (YAML), so no Map.copyOf
      metadata = metadata == null
          ? Map.of()
          : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /**
   * What one source says.
   *
   * @param strictMode null when the source does not say
   * @param defaultRole null when the source does not say
   */
  public record MaciConfig(Boolean strictMode, MaciRole defaultRole, List<AgentRoleConfig> agents) {
    public MaciConfig {
      agents = agents == null ? List.of() : List.copyOf(agents);
    }

    public static MaciConfig empty() {
      return new MaciConfig(null, null, List.of());
    }

    public Map<String, MaciRole> roles() {
      Map<String, MaciRole> roles = new HashMap<>();
      for (AgentRoleConfig a : agents) roles.put(a.agentId(), a.role());
      return Map.copyOf(roles);
    }

    public Map<String, List<String>> capabilities() {
      Map<String, List<String>> caps = new HashMap<>();
      for (AgentRoleConfig a : agents) caps.put(a.agentId(), a.capabilities());
      return Map.copyOf(caps);
    }
  }

  /** Reads a file: JSON when its name ends in {@code .json}, YAML otherwise (YAML also reads JSON). */
  public static MaciConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read MACI config file " + file, e);
    }
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".json") ? parseJson(text) : parseYaml(text);
  }

  public static MaciConfig parseYaml(String text) {
    return fromTree(read(YAML, text, "YAML"));
  }

  public static MaciConfig parseJson(String text) {
    return fromTree(read(JSON, text, "JSON"));
  }

  private static JsonNode read(ObjectMapper mapper, String text, String format) {
    try {
      return mapper.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("MACI config is not valid " + format + ": " + e.getOriginalMessage(), e);
    }
  }

  /** The parsed document; null or empty means "says nothing". */
  static MaciConfig fromTree(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) return MaciConfig.empty();
    if (!root.isObject()) throw new IllegalArgumentException("MACI config must be a mapping at the top level");

    Boolean strict = null;
    JsonNode strictNode = root.get("strict_mode");
    if (strictNode != null && !strictNode.isNull()) {
      strict = strictNode.isBoolean() ? Boolean.valueOf(strictNode.booleanValue()) : parseBoolean(strictNode.asText());
      if (strict == null) {
        throw new IllegalArgumentException("MACI config strict_mode must be true or false, got '"
            + strictNode.asText() + "'");
      }
    }

    MaciRole defaultRole = null;
    JsonNode defaultNode = root.get("default_role");
    if (defaultNode != null && !defaultNode.isNull() && !defaultNode.asText().isBlank()) {
      defaultRole = GovernanceSettings.parseRole(defaultNode.asText(), "MACI config default_role");
    }

    List<AgentRoleConfig> agents = new ArrayList<>();
    JsonNode agentsNode = root.get("agents");
    if (agentsNode != null && !agentsNode.isNull()) {
      if (!agentsNode.isArray()) throw new IllegalArgumentException("MACI config agents must be a list");
      Set<String> seen = new HashSet<>();
      int index = 0;
      for (JsonNode a : agentsNode) {
        AgentRoleConfig agent = agentFrom(a, index++);
        if (!seen.add(agent.agentId())) {
          throw new IllegalArgumentException("MACI config lists agent '" + agent.agentId() + "' twice");
        }
        agents.add(agent);
      }
    }
    return new MaciConfig(strict, defaultRole, agents);
  }

  private static AgentRoleConfig agentFrom(JsonNode a, int index) {
    if (!a.isObject()) throw new IllegalArgumentException("MACI config agents[" + index + "] must be a mapping");
    JsonNode idNode = a.hasNonNull("agent_id") ? a.get("agent_id") : a.get("id");
    if (idNode == null || !idNode.isValueNode() || idNode.asText().isBlank()) {
      throw new IllegalArgumentException("MACI config agents[" + index + "] has no agent_id");
    }
    String id = idNode.asText().trim();
    JsonNode roleNode = a.get("role");
    if (roleNode == null || !roleNode.isTextual()) {
      throw new IllegalArgumentException("MACI config agent '" + id + "' has no role");
    }
    MaciRole role = GovernanceSettings.parseRole(roleNode.asText(), "MACI config for agent '" + id + "'");

    List<String> capabilities = new ArrayList<>();
    JsonNode caps = a.get("capabilities");
    if (caps != null && caps.isArray()) {
      for (JsonNode c : caps) capabilities.add(c.asText());
    } else if (caps != null && caps.isTextual()) {
      capabilities.addAll(splitList(caps.asText()));
    }

    Map<String, Object> metadata = Map.of();
    JsonNode meta = a.get("metadata");
    if (meta != null && meta.isObject()) {
      metadata = JSON.convertValue(meta, new TypeReference<LinkedHashMap<String, Object>>() {});
    }
    return new AgentRoleConfig(id, role, capabilities, metadata);
  }

  /**
   * Reads {@code MACI_*} variables from the given map (pass {@code System.getenv()} in production).
   * An unrecognised {@code MACI_STRICT_MODE} value means strict: a typo must not switch enforcement off
   * (the original treated anything but "true" as false).
   */
  public static MaciConfig fromEnvironment(Map<String, String> env) {
    Boolean strict = null;
    String strictValue = env.get("MACI_STRICT_MODE");
    if (strictValue != null && !strictValue.isBlank()) {
      Boolean parsed = parseBoolean(strictValue);
      strict = parsed == null ? Boolean.TRUE : parsed;
    }
    MaciRole defaultRole = MaciRole.parse(env.get("MACI_DEFAULT_ROLE")).orElse(null);

    List<AgentRoleConfig> agents = new ArrayList<>();
    // sorted, so that two variables naming the same agent in different case resolve deterministically
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(AGENT_PREFIX) || key.endsWith(CAPABILITIES_SUFFIX)) continue;
      String id = key.substring(AGENT_PREFIX.length()).toLowerCase(Locale.ROOT);
      if (id.isBlank()) continue;
      MaciRole.parse(e.getValue()).ifPresent(role -> {
        String caps = env.getOrDefault(key + CAPABILITIES_SUFFIX, "");
        agents.add(new AgentRoleConfig(id, role, splitList(caps), Map.of()));
      });
    }
    return new MaciConfig(strict, defaultRole, agents);
  }

  private static List<String> splitList(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      if (!part.isBlank()) out.add(part.trim());
    }
    return out;
  }

  private static Boolean parseBoolean(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "on", "yes", "1" -> Boolean.TRUE;
      case "false", "off", "no", "0" -> Boolean.FALSE;
      default -> null;
    };
  }
}
