package dev.agentbus.actors.bus;

import static dev.agentbus.actors.support.SingleNode.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageStatus;
import dev.agentbus.actors.support.Messages;
import dev.agentbus.actors.support.SingleNode;
import dev.agentbus.actors.support.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node whose inboxes hold their memory budget in unacknowledged messages refuses new sends at once
 * ({@code overloaded}, nothing recorded), delivers every send it accepted, and takes sends again once
 * messages are acknowledged.
 */
class InboxBudgetAdmissionTest {

  // A held message costs 1 MiB plus its encoded bytes (a few hundred): the budget has room for two, and the
  // third send is still admitted (the check is before it), so three are accepted, then sends are refused.
  private static final ActorTestKit testKit = ActorTestKit.create("AgentBus",
      ConfigFactory.parseString("agentbus.agent.node-inbox-budget = 2560 KiB\n"
              + "agentbus.agent.inbox-entry-overhead = 1 MiB")
          .withFallback(TestConfigs.singleNodeCluster()));
  private static AgentBus bus;

  @BeforeAll
  static void startTheBus() {
    bus = SingleNode.bus(testKit);
  }

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private static String agent(String tenant) {
    return await(bus.register(new Registration(null, "a", "llm", tenant, MaciRole.EXECUTIVE, List.of(), Map.of())))
        .id();
  }

  @Test
  void refusesSendsWhenNodeInboxBudgetIsFullAndDeliversEveryAcceptedOne() {
    String tenant = "t-" + UUID.randomUUID();
    String sender = agent(tenant);
    String slow = agent(tenant);
    String other = agent(tenant);

    List<UUID> accepted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      AgentMessage m = Messages.query(sender, slow, tenant);
      SendResult r = await(bus.send(m));
      assertEquals(MessageStatus.ACCEPTED, r.status(), r.reasonCodes());
      accepted.add(m.id());
    }
    assertTrue(bus.inboxBudget().full());

    // any recipient: the budget is the node's
    SendResult refused = await(bus.send(Messages.query(sender, other, tenant)));
    assertEquals(MessageStatus.REJECTED, refused.status());
    assertEquals("overloaded", refused.reasons().get(0).code());
    assertFalse(refused.durable(), "nothing recorded");
    assertTrue(await(bus.readInbox(other, InboxQuery.all())).items().isEmpty());

    List<InboxItem> held = await(bus.readInbox(slow, InboxQuery.all())).items();
    assertEquals(accepted, held.stream().map(i -> i.message().id()).toList(), "every accepted send is delivered");

    // acknowledged, they no longer count against new sends (and go first when the node needs the room)
    for (UUID id : accepted) await(bus.ack(slow, id));
    assertFalse(bus.inboxBudget().full());
    assertFalse(bus.inboxBudget().overBudget(), "the inbox dropped acknowledged messages to get under the budget");
    AgentMessage later = Messages.query(sender, other, tenant);
    assertEquals(MessageStatus.ACCEPTED, await(bus.send(later)).status());
    assertEquals(List.of(later.id()),
        await(bus.readInbox(other, InboxQuery.all())).items().stream().map(i -> i.message().id()).toList());
  }
}
