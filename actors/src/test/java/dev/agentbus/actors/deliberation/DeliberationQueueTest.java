package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import dev.agentbus.actors.model.Priority;
import dev.agentbus.actors.support.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DeliberationQueueTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(EventSourcedBehaviorTestKit.config()));

  @AfterAll
  static void tearDown() {
    testKit.shutdownTestKit();
  }

  private final ManualClock clock = ManualClock.atNoon();

  private EventSourcedBehaviorTestKit<DeliberationQueue.Command, DeliberationQueue.Event, DeliberationQueue.State>
      queue(int capacity) {
    return EventSourcedBehaviorTestKit.create(testKit.system(), DeliberationQueue.create(
        "t:" + UUID.randomUUID(), new DeliberationQueue.Settings(capacity, Duration.ofSeconds(60), 2), clock,
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), 0.1)));
  }

  private DeliberationQueue.Ticket ticket(Priority priority, Instant heldAt) {
    return new DeliberationQueue.Ticket(UUID.randomUUID(), priority, heldAt, heldAt.plusSeconds(300), "s", 0.9);
  }

  private static DeliberationQueue.Admission admit(
      EventSourcedBehaviorTestKit<DeliberationQueue.Command, DeliberationQueue.Event, DeliberationQueue.State> q,
      DeliberationQueue.Ticket t) {
    return q.<DeliberationQueue.Admission>runCommand(r -> new DeliberationQueue.Admit(t, r)).reply();
  }

  private static List<UUID> pending(
      EventSourcedBehaviorTestKit<DeliberationQueue.Command, DeliberationQueue.Event, DeliberationQueue.State> q) {
    return q.<DeliberationQueue.Pending>runCommand(DeliberationQueue.GetPending::new).reply().tickets().stream()
        .map(DeliberationQueue.Ticket::messageId).toList();
  }

  @Test
  void ordersByPriorityThenAge() {
    var q = queue(10);
    Instant now = clock.instant();
    var oldNormal = ticket(Priority.NORMAL, now.minusSeconds(100));
    var newCritical = ticket(Priority.CRITICAL, now);
    var high = ticket(Priority.HIGH, now.minusSeconds(50));
    var oldCritical = ticket(Priority.CRITICAL, now.minusSeconds(10));
    for (var t : List.of(oldNormal, newCritical, high, oldCritical)) {
      assertEquals(DeliberationQueue.Result.ADMITTED, admit(q, t).result());
    }
    assertEquals(List.of(oldCritical.messageId(), newCritical.messageId(), high.messageId(), oldNormal.messageId()),
        pending(q));
  }

  @Test
  void refusesANewTicketWhenFullAndDropsNothing() {
    var q = queue(2);
    var first = ticket(Priority.LOW, clock.instant());
    var second = ticket(Priority.LOW, clock.instant());
    admit(q, first);
    admit(q, second);
    var result = q.<DeliberationQueue.Admission>runCommand(
        r -> new DeliberationQueue.Admit(ticket(Priority.CRITICAL, clock.instant()), r));
    assertEquals(DeliberationQueue.Result.FULL, result.reply().result());
    assertEquals(true, result.hasNoEvents());
    assertEquals(2, pending(q).size());
  }

  @Test
  void admittingTheSameMessageAgainKeepsItsPlace() {
    var q = queue(1);
    var t = ticket(Priority.HIGH, clock.instant());
    admit(q, t);
    DeliberationQueue.Admission again = admit(q, t);
    assertEquals(DeliberationQueue.Result.ALREADY_QUEUED, again.result());
    assertEquals(1, again.position());
    assertEquals(List.of(t.messageId()), pending(q));
  }

  @Test
  void aReleaseFreesAPlace() {
    var q = queue(1);
    var t = ticket(Priority.HIGH, clock.instant());
    admit(q, t);
    q.runCommand(new DeliberationQueue.Release(t.messageId(), "decided"));
    assertEquals(List.of(), pending(q));
    assertEquals(true, q.runCommand(new DeliberationQueue.Release(t.messageId(), "decided")).hasNoEvents());
    assertEquals(DeliberationQueue.Result.ADMITTED, admit(q, ticket(Priority.LOW, clock.instant())).result());
  }

  @Test
  void remembersTheLastDecidedDeliberationsNewestLastWithinItsHistory() {
    var q = queue(5);
    var a = ticket(Priority.HIGH, clock.instant());
    var b = ticket(Priority.HIGH, clock.instant());
    var c = ticket(Priority.HIGH, clock.instant());
    admit(q, a);
    admit(q, b);
    q.runCommand(new DeliberationQueue.Release(a.messageId(), DeliberationQueue.DECIDED));
    q.runCommand(new DeliberationQueue.Release(b.messageId(), "not_opened"));
    // decided without a queue place (a re-sent message released it before): still remembered
    q.runCommand(new DeliberationQueue.Release(b.messageId(), DeliberationQueue.DECIDED));
    q.runCommand(new DeliberationQueue.Release(c.messageId(), DeliberationQueue.DECIDED));
    DeliberationQueue.Pending p = q.<DeliberationQueue.Pending>runCommand(DeliberationQueue.GetPending::new).reply();
    assertEquals(List.of(b.messageId(), c.messageId()), p.decided(), "a history of 2: the oldest dropped out");
    assertEquals(true, q.runCommand(new DeliberationQueue.Release(c.messageId(), DeliberationQueue.DECIDED))
        .hasNoEvents());
  }

  @Test
  void dropsATicketWhoseDeliberationNeverOpenedOnceItIsStale() {
    var q = queue(1);
    var orphan = ticket(Priority.CRITICAL, clock.instant());
    admit(q, orphan);
    clock.advance(Duration.ofSeconds(300 + 30));
    assertEquals(DeliberationQueue.Result.FULL, admit(q, ticket(Priority.LOW, clock.instant())).result());
    clock.advance(Duration.ofSeconds(31));
    var next = ticket(Priority.LOW, clock.instant());
    assertEquals(DeliberationQueue.Result.ADMITTED, admit(q, next).result());
    assertEquals(List.of(next.messageId()), pending(q));
  }

  @Test
  void keepsItsTicketsAfterARestart() {
    var q = queue(5);
    var a = ticket(Priority.HIGH, clock.instant());
    var b = ticket(Priority.CRITICAL, clock.instant());
    admit(q, a);
    admit(q, b);
    q.restart();
    assertEquals(List.of(b.messageId(), a.messageId()), pending(q));
  }
}
