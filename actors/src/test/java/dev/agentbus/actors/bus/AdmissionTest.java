package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import dev.agentbus.actors.support.TestConfigs;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Beyond the configured sends in flight a node refuses at once, records nothing, and says why. */
class AdmissionTest {

  private static final ActorTestKit testKit = ActorTestKit.create("AgentBus",
      ConfigFactory.parseString("agentbus.max-sends-in-flight = 0").withFallback(TestConfigs.singleNodeCluster()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  @Test
  void refusesASendWhenNoAdmissionIsLeft() {
    SendResult r = AgentBus.get(testKit.system()).send(Messages.query("a", "b", "t"))
        .toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    assertEquals(MessageStatus.REJECTED, r.status());
    assertEquals("overloaded", r.reasons().get(0).code());
    assertFalse(r.durable());
  }
}
