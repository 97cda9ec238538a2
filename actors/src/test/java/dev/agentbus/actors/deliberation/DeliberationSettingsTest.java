package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class DeliberationSettingsTest {

  @Test
  void theReferenceConfigHoldsTheDefaults() {
    DeliberationSettings s =
        DeliberationSettings.fromConfig(ConfigFactory.load().getConfig("agentbus.deliberation"));
    assertEquals(DeliberationSettings.defaults(), s);
  }

  @Test
  void requiresFiveVotesOnlyAboveImpact0_9() {
    DeliberationSettings s = DeliberationSettings.defaults();
    assertEquals(3, s.requiredVotesFor(0.8));
    assertEquals(3, s.requiredVotesFor(0.9)); // a CRITICAL message scores 0.9: not above
    assertEquals(5, s.requiredVotesFor(0.91));
  }

  @Test
  void refusesAnUnknownStrategy() {
    var config = ConfigFactory.parseString("strategy = majority")
        .withFallback(ConfigFactory.load().getConfig("agentbus.deliberation"));
    assertThrows(IllegalArgumentException.class, () -> DeliberationSettings.fromConfig(config));
  }
}
