package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class BusSettingsTest {

  private static final long HEAP = 1L << 30;

  private static long budget(String value) {
    Config c = ConfigFactory.parseString("budget = \"" + value + "\"");
    return BusSettings.bytesOrHeapShare(c, "budget", HEAP);
  }

  @Test
  void readsTheNodeInboxBudgetAsASizeOrAShareOfTheHeap() {
    assertEquals(256L << 20, budget("256 MiB"));
    assertEquals(HEAP / 4, budget("25%"));
    assertEquals(HEAP / 2, budget(" 50 % "));
  }

  @Test
  void refusesABudgetThatIsNoneOrMoreThanTheHeap() {
    assertThrows(ConfigException.BadValue.class, () -> budget("0%"));
    assertThrows(ConfigException.BadValue.class, () -> budget("150%"));
    assertThrows(ConfigException.BadValue.class, () -> budget("a lot%"));
    assertThrows(ConfigException.BadValue.class, () -> budget("0"));
  }

  @Test
  void theDefaultsGiveTheInboxesAShareOfTheHeap() {
    BusSettings s = BusSettings.create(ConfigFactory.load());
    assertEquals((long) (Runtime.getRuntime().maxMemory() * 0.25), s.nodeInboxBudgetBytes());
    assertEquals(200, s.inboxEntryOverheadBytes());
    assertEquals(100, s.agentShards());
  }

  @Test
  void refusesAnAgentShardCountBelowOne() {
    Config c = ConfigFactory.parseString("agentbus.agent.shards = 0").withFallback(ConfigFactory.load());
    assertThrows(ConfigException.BadValue.class, () -> BusSettings.create(c));
  }

  @Test
  void readsHowAnInboxIsRebuiltAndHowOftenAnAgentSnapshots() {
    BusSettings s = BusSettings.create(ConfigFactory.load());
    assertEquals(100, s.inboxAcknowledgedOnRebuild());
    assertEquals(1000, s.agentSnapshotEvery());
    Config none = ConfigFactory.parseString("agentbus.agent.inbox-acknowledged-on-rebuild = 0")
        .withFallback(ConfigFactory.load());
    assertEquals(0, BusSettings.create(none).inboxAcknowledgedOnRebuild());
    Config negative = ConfigFactory.parseString("agentbus.agent.inbox-acknowledged-on-rebuild = -1")
        .withFallback(ConfigFactory.load());
    assertThrows(ConfigException.BadValue.class, () -> BusSettings.create(negative));
    Config never = ConfigFactory.parseString("agentbus.agent.snapshot-every = 0").withFallback(ConfigFactory.load());
    assertThrows(ConfigException.BadValue.class, () -> BusSettings.create(never));
  }

  @Test
  void readsTheShareBelowWhichAFullNodeTakesSendsAgain() {
    assertEquals(0.9, BusSettings.create(ConfigFactory.load()).inboxBudgetResumeBelow());
    Config none = ConfigFactory.parseString("agentbus.agent.inbox-budget-sharing.resume-below = 0")
        .withFallback(ConfigFactory.load());
    assertThrows(ConfigException.BadValue.class, () -> BusSettings.create(none));
  }
}
