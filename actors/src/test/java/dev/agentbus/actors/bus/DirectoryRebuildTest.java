package dev.agentbus.actors.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentbus.actors.agent.AgentEntity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DirectoryRebuildTest {

  private static final ActorTestKit testKit = ActorTestKit.create("DirectoryRebuildTest");

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static final List<String> JOURNAL = List.of("Agent|a", "Ledger|0", "Agent|b", "Agent|c");

  /** Every agent of {@link #JOURNAL} is the probe. */
  private static CompletableFuture<DirectoryRebuild.Result> rebuild(
      TestProbe<AgentEntity.Command> agents, int parallelism, Duration wakeTimeout) {
    return DirectoryRebuild.wake(Source.from(JOURNAL),
        id -> TestEntityRef.of(AgentEntity.ENTITY_KEY, id, agents.getRef()), parallelism, wakeTimeout,
        testKit.system()).toCompletableFuture();
  }

  @Test
  void wakesOnlyAgentsAndNoMoreAtOnceThanItsParallelism() throws Exception {
    TestProbe<AgentEntity.Command> agents = testKit.createTestProbe();
    var result = rebuild(agents, 2, Duration.ofSeconds(10));

    AgentEntity.Wake first = agents.expectMessageClass(AgentEntity.Wake.class);
    AgentEntity.Wake second = agents.expectMessageClass(AgentEntity.Wake.class);
    agents.expectNoMessage(Duration.ofMillis(200));
    first.replyTo().tell(Done.getInstance());
    AgentEntity.Wake third = agents.expectMessageClass(AgentEntity.Wake.class);
    second.replyTo().tell(Done.getInstance());
    third.replyTo().tell(Done.getInstance());

    assertEquals(new DirectoryRebuild.Result(3, 0), result.get(10, TimeUnit.SECONDS));
    agents.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void goesOnPastAgentsThatDoNotAnswerInTime() throws Exception {
    TestProbe<AgentEntity.Command> agents = testKit.createTestProbe();
    var result = rebuild(agents, 1, Duration.ofMillis(100));

    assertEquals(new DirectoryRebuild.Result(0, 3), result.get(10, TimeUnit.SECONDS));
    assertEquals(3, agents.receiveSeveralMessages(3).size());
  }
}
