package dev.agentbus.actors.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.governance.MaciConfigLoader.MaciConfig;
import dev.agentbus.actors.model.MaciRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance case 16. */
class MaciConfigLoaderTest {

  private static final String YAML = String.join("\n",
      "strict_mode: false",
      "default_role: LEGISLATIVE",
      "agents:",
      "  - agent_id: judge-1",
      "    role: judicial",
      "    capabilities: [review, audit]",
      "    metadata: {team: courts, level: 2}",
      "  - id: exec-1",
      "    role: Executive",
      "");

  private static final String JSON = "{\"strict_mode\": true, \"agents\": ["
      + "{\"agent_id\": \"law-1\", \"role\": \"LEGISLATIVE\", \"capabilities\": [\"draft\"]},"
      + "{\"id\": \"judge-2\", \"role\": \"judicial\"}]}";

  @Test
  void loadsRolesFromYamlByValueOrNameInAnyCase() {
    MaciConfig c = MaciConfigLoader.parseYaml(YAML);
    assertEquals(Boolean.FALSE, c.strictMode());
    assertEquals(MaciRole.LEGISLATIVE, c.defaultRole());
    assertEquals(Map.of("judge-1", MaciRole.JUDICIAL, "exec-1", MaciRole.EXECUTIVE), c.roles());
    assertEquals(List.of("review", "audit"), c.capabilities().get("judge-1"));
    assertEquals("courts", c.agents().get(0).metadata().get("team"));
  }

  @Test
  void loadsRolesFromJson() {
    MaciConfig c = MaciConfigLoader.parseJson(JSON);
    assertEquals(Boolean.TRUE, c.strictMode());
    assertNull(c.defaultRole());
    assertEquals(Map.of("law-1", MaciRole.LEGISLATIVE, "judge-2", MaciRole.JUDICIAL), c.roles());
    assertEquals(List.of("draft"), c.capabilities().get("law-1"));
  }

  @Test
  void picksTheFormatByFileExtension(@TempDir Path dir) throws IOException {
    Path yaml = Files.writeString(dir.resolve("maci.yml"), YAML);
    Path json = Files.writeString(dir.resolve("maci.json"), JSON);
    assertEquals(MaciRole.JUDICIAL, MaciConfigLoader.load(yaml).roles().get("judge-1"));
    assertEquals(MaciRole.JUDICIAL, MaciConfigLoader.load(json).roles().get("judge-2"));
  }

  @Test
  void refusesAnInvalidRoleInAFileNamingTheAgent() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MaciConfigLoader.parseYaml("agents:\n  - agent_id: bob\n    role: emperor\n"));
    assertTrue(e.getMessage().contains("'emperor'"), e.getMessage());
    assertTrue(e.getMessage().contains("'bob'"), e.getMessage());
  }

  @Test
  void refusesAnInvalidDefaultRoleInAFile() {
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson("{\"default_role\":\"king\"}"));
  }

  @Test
  void refusesEntriesWithoutIdOrRoleAndDuplicates() {
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson("{\"agents\":[{\"role\":\"judicial\"}]}"));
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson("{\"agents\":[{\"id\":\"a\"}]}"));
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson(
        "{\"agents\":[{\"id\":\"a\",\"role\":\"judicial\"},{\"agent_id\":\"a\",\"role\":\"executive\"}]}"));
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson("[1]"));
    assertThrows(IllegalArgumentException.class, () -> MaciConfigLoader.parseJson("{not json"));
  }

  @Test
  void treatsAnEmptyFileAsSayingNothing() {
    assertEquals(MaciConfig.empty(), MaciConfigLoader.parseYaml(""));
  }

  @Test
  void readsRolesAndCapabilitiesFromTheEnvironment() {
    MaciConfig c = MaciConfigLoader.fromEnvironment(Map.of(
        "MACI_AGENT_X", "judicial",
        "MACI_AGENT_X_CAPABILITIES", "a, b,",
        "MACI_AGENT_BOSS", "EXECUTIVE",
        "MACI_DEFAULT_ROLE", "legislative",
        "MACI_STRICT_MODE", "false",
        "PATH", "/bin"));
    assertEquals(Map.of("x", MaciRole.JUDICIAL, "boss", MaciRole.EXECUTIVE), c.roles());
    assertEquals(List.of("a", "b"), c.capabilities().get("x"));
    assertEquals(List.of(), c.capabilities().get("boss"));
    assertEquals(MaciRole.LEGISLATIVE, c.defaultRole());
    assertEquals(Boolean.FALSE, c.strictMode());
  }

  @Test
  void skipsAnInvalidRoleInTheEnvironment() {
    MaciConfig c = MaciConfigLoader.fromEnvironment(Map.of("MACI_AGENT_X", "emperor", "MACI_AGENT_Y", "judicial"));
    assertEquals(Map.of("y", MaciRole.JUDICIAL), c.roles());
  }

  @Test
  void keepsStrictModeWhenTheEnvironmentValueIsUnrecognised() {
    assertEquals(Boolean.TRUE, MaciConfigLoader.fromEnvironment(Map.of("MACI_STRICT_MODE", "flase")).strictMode());
    assertNull(MaciConfigLoader.fromEnvironment(Map.of()).strictMode());
  }

  @Test
  void environmentOverridesTheFileWhichOverridesTheSettings() {
    GovernanceSettings.Maci base = GovernanceSettings.Maci.defaults();
    GovernanceSettings.Maci merged = base
        .withConfig(MaciConfigLoader.parseYaml(YAML))
        .withConfig(MaciConfigLoader.fromEnvironment(Map.of("MACI_AGENT_JUDGE-1", "executive")));
    assertFalse(merged.strict());
    assertEquals(MaciRole.LEGISLATIVE, merged.defaultRole());
    assertEquals(MaciRole.EXECUTIVE, merged.assignedRoles().get("judge-1"));
    assertEquals(MaciRole.EXECUTIVE, merged.assignedRoles().get("exec-1"));
  }
}
