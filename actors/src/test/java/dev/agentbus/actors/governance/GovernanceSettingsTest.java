package dev.agentbus.actors.governance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.model.MaciRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GovernanceSettingsTest {

  private static Config shipped() {
    return ConfigFactory.parseResources("agentbus-governance.conf").resolve().getConfig("agentbus.governance");
  }

  @Test
  void shippedConfigMatchesTheDefaults() {
    assertEquals(GovernanceSettings.defaults(), GovernanceSettings.fromConfig(shipped(), Map.of()));
  }

  @Test
  void readsOverridesAndTheMaciConfigFile(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("maci.yaml"), "agents:\n  - agent_id: judge\n    role: judicial\n");
    Config block = ConfigFactory.parseString(String.join("\n",
        "constitutional-hash = \"feedfacecafebeef\"",
        "max-payload-bytes = 1 KiB",
        "extra-injection-patterns = [\"evil\"]",
        "deliberation-threshold = 0.7",
        "impact.weights.semantic = 0.5",
        "impact.hour-zone = \"Europe/Paris\"",
        "maci.strict = off",
        "maci.default-role = \"\"",
        "maci.config-file = \"" + file.toString().replace("\\", "\\\\") + "\""))
        .withFallback(shipped());

    GovernanceSettings s = GovernanceSettings.fromConfig(block, Map.of("MACI_AGENT_EXEC", "executive"));
    assertEquals("feedfacecafebeef", s.constitutionalHash());
    assertEquals(1024, s.maxPayloadBytes());
    assertEquals(List.of("evil"), s.extraInjectionPatterns());
    assertEquals(0.7, s.deliberationThreshold());
    assertEquals(0.5, s.impact().weights().semantic());
    assertEquals(ZoneId.of("Europe/Paris"), s.impact().hourZone());
    assertFalse(s.maci().strict());
    assertEquals(null, s.maci().defaultRole());
    assertEquals(Map.of("judge", MaciRole.JUDICIAL, "exec", MaciRole.EXECUTIVE), s.maci().assignedRoles());
  }

  @Test
  void ignoresTheEnvironmentWhenToldTo() {
    Config block = ConfigFactory.parseString("maci.read-environment = off").withFallback(shipped());
    GovernanceSettings s = GovernanceSettings.fromConfig(block, Map.of("MACI_STRICT_MODE", "false"));
    assertEquals(GovernanceSettings.defaults(), s);
  }

  @Test
  void refusesNonsensicalValues() {
    assertThrows(IllegalArgumentException.class, () -> GovernanceSettings.fromConfig(
        ConfigFactory.parseString("maci.default-role = \"king\"").withFallback(shipped()), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> GovernanceSettings.fromConfig(
        ConfigFactory.parseString("deliberation-threshold = 1.5").withFallback(shipped()), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> GovernanceSettings.fromConfig(
        ConfigFactory.parseString("max-payload-bytes = 0").withFallback(shipped()), Map.of()));
    assertThrows(IllegalArgumentException.class,
        () -> new GovernanceSettings.ImpactWeights(0, 0, 0, 0, 0, 0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new GovernanceSettings.ImpactWeights(-0.1, 0.2, 0.1, 0.1, 0.15, 0.1, 0.05));
  }
}
