package dev.agentbus.node.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.agent.InboxItem;
import dev.agentbus.actors.agent.InboxPage;
import dev.agentbus.actors.agent.InboxQuery;
import dev.agentbus.actors.bus.AgentBus;
import dev.agentbus.actors.bus.Registration;
import dev.agentbus.actors.bus.SendResult;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.MessageType;
import dev.agentbus.actors.model.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * W1-W6 in-process, through {@link AgentBus}: the same gateway the HTTP API calls, governance pipeline,
 * durable ledger write and delivery included.
 *
 * <ul>
 *   <li>W1: QUERY {@code {"query":"test_query_<i>"}}, senders taken in turn, a random recipient, no tenant.
 *   <li>W2: as W1 with the same content {@code {"query":"test_query"}} every time (ids stay unique).
 *   <li>W3: a random sender, a random recipient of its tenant, the message type its MACI role may send
 *       (executive: command, legislative: task_request, judicial: query), content a short sentence.
 *   <li>W4: as W3, the operation ending when the recipient's subscriber (an actor subscribed through
 *       {@link AgentBus#subscribe}) receives the message.
 *   <li>W5: as W1 with one sender for every message.
 *   <li>W6: as W3 with {@code --critical-percent} of the messages CRITICAL: those must be held.
 * </ul>
 */
final class BusWorkloads {

  private static final int BATCH = 100;
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final AgentBus bus;
  private final BenchOptions options;
  private final String hash;
  private final long salt;
  private final Duration timeout;

  BusWorkloads(AgentBus bus, BenchOptions options, long salt) {
    this.bus = bus;
    this.options = options;
    this.hash = bus.governanceSettings().constitutionalHash();
    this.salt = salt;
    this.timeout = bus.settings().askTimeout().multipliedBy(4);
  }

  /** Registers every agent of the set, {@value #BATCH} at a time. */
  void register(AgentSet set) {
    inBatches(set.size(), i -> bus.register(new Registration(set.ids[i], set.ids[i], "bench", set.tenants[i],
        set.roles[i], List.of(), Map.of())));
  }

  /** One QUERY from every agent of the set to another of its tenant, {@value #BATCH} at a time. */
  void sendOneEach(AgentSet set, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    inBatches(set.size(), i -> {
      int recipient = set.recipientFor(i, random);
      ObjectNode payload = JSON.objectNode().put("query", "memory check " + i);
      return bus.send(message(set, i, recipient, MessageType.QUERY, Priority.NORMAL, payload, random))
          .thenApply(r -> classify(r, set, recipient));
    });
  }

  /** How many messages of the workload's types each agent's inbox holds now. */
  long[] inboxTotals(AgentSet set) {
    long[] totals = new long[set.size()];
    for (MessageType type : set.types()) {
      InboxQuery one = new InboxQuery(type, null, false, 1, 1);
      inBatches(set.size(), i -> bus.readInbox(set.ids[i], one).thenApply(InboxPage::total)
          .thenAccept(total -> totals[i] += total));
    }
    return totals;
  }

  private void inBatches(int n, IntFunction<CompletionStage<?>> call) {
    for (int from = 0; from < n; from += BATCH) {
      List<CompletableFuture<?>> batch = new ArrayList<>(BATCH);
      for (int i = from; i < Math.min(n, from + BATCH); i++) batch.add(call.apply(i).toCompletableFuture());
      try {
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (Exception e) {
        throw new IllegalStateException("bench setup failed: " + e, e);
      }
    }
  }

  Operation operation(AgentSet set, DeliveryProbe probe) {
    Workload w = set.workload;
    return switch (w) {
      case W1, W2, W5 -> sequential(set, w);
      case W3, W4, W6 -> concurrent(set, w == Workload.W4 ? probe : null, w == Workload.W6);
      case W7 -> throw new IllegalArgumentException("W7 runs over HTTP");
    };
  }

  private Operation sequential(AgentSet set, Workload w) {
    int n = set.size();
    ObjectNode same = JSON.objectNode().put("query", "test_query");
    return (seq, random) -> {
      int sender = w == Workload.W5 ? 0 : (int) (seq % n);
      int recipient = set.recipientFor(sender, random);
      ObjectNode payload = w == Workload.W2 ? same : JSON.objectNode().put("query", "test_query_" + seq);
      AgentMessage m = message(set, sender, recipient, MessageType.QUERY, Priority.NORMAL, payload, random);
      return bus.send(m).thenApply(r -> classify(r, set, recipient));
    };
  }

  private Operation concurrent(AgentSet set, DeliveryProbe probe, boolean critical) {
    int n = set.size();
    double criticalShare = options.criticalPercent() / 100.0;
    return (seq, random) -> {
      int sender = random.nextInt(n);
      int recipient = set.recipientFor(sender, random);
      MessageType type = switch (set.roles[sender]) {
        case EXECUTIVE -> MessageType.COMMAND;
        case LEGISLATIVE -> MessageType.TASK_REQUEST;
        case JUDICIAL -> MessageType.QUERY;
      };
      boolean isCritical = critical && random.nextDouble() < criticalShare;
      Priority priority = isCritical ? Priority.CRITICAL : Priority.NORMAL;
      if (isCritical) set.criticalSent.increment();
      ObjectNode payload = JSON.objectNode().put("content", "status report " + seq + " from " + sender);
      AgentMessage m = message(set, sender, recipient, type, priority, payload, random);
      if (probe == null) {
        return bus.send(m).thenApply(r -> {
          Outcome o = classify(r, set, recipient);
          if (isCritical && o.kind() == Outcome.Kind.ACCEPTED) set.criticalAccepted.increment();
          return o;
        });
      }
      CompletableFuture<Long> delivered = probe.expect(m.id(), timeout);
      return bus.send(m).thenCompose(r -> {
        Outcome o = classify(r, set, recipient);
        if (o.kind() != Outcome.Kind.ACCEPTED) {
          probe.forget(m.id());
          return CompletableFuture.completedFuture(o);
        }
        return delivered.thenApply(at -> at < 0 ? Outcome.failed("not_delivered_in_time") : o.endingAt(at));
      });
    };
  }

  private AgentMessage message(
      AgentSet set, int sender, int recipient, MessageType type, Priority priority, ObjectNode payload,
      SplittableRandom random) {
    UUID id = new UUID(random.nextLong() ^ salt, random.nextLong());
    return new AgentMessage(id, type, priority, set.ids[sender], set.ids[recipient], set.tenants[sender], payload,
        null, null, hash, Instant.now(), null, null, Map.of());
  }

  /** The bus's answer as an outcome; an accepted one is also counted for its recipient. */
  static Outcome classify(SendResult r, AgentSet set, int recipient) {
    String reason = r.reasons().isEmpty() ? null : r.reasons().get(0).code();
    // the admission limit's fast refusal: nothing recorded, a rejection (backpressure), not a failure
    if (!r.durable() && "overloaded".equals(reason)) return Outcome.rejected(reason);
    if (!r.durable()) return Outcome.failed(reason == null ? "not_durable" : reason);
    return switch (r.status()) {
      case ACCEPTED -> {
        set.acceptedTo.incrementAndGet(recipient);
        yield r.duplicate() ? new Outcome(Outcome.Kind.ACCEPTED, "duplicate", 0) : Outcome.accepted();
      }
      case PENDING_DELIBERATION -> Outcome.held();
      case REJECTED -> Outcome.rejected(reason == null ? "rejected" : reason);
      default -> Outcome.failed("status_" + r.status().wire());
    };
  }

  /**
   * W4's subscriber: one local actor subscribed to every recipient, completing the future of each message
   * it receives with the time it arrived.
   */
  static final class DeliveryProbe {
    private final ConcurrentHashMap<UUID, CompletableFuture<Long>> expected = new ConcurrentHashMap<>();
    private final ActorRef<InboxItem> ref;

    DeliveryProbe(ActorSystem<?> system, String name) {
      this.ref = system.systemActorOf(Behaviors.receive(InboxItem.class)
          .onMessage(InboxItem.class, item -> {
            CompletableFuture<Long> f = expected.remove(item.message().id());
            if (f != null) f.complete(System.nanoTime());
            return Behaviors.same();
          })
          .build(), name, Props.empty());
    }

    /** Subscribes to every agent of the set and waits until each subscription is in place. */
    void subscribe(AgentBus bus, BusWorkloads workloads, AgentSet set) {
      for (String id : set.ids) bus.subscribe(id, ref);
      // a read after the subscribe (same route, same entity) is answered only after it
      workloads.inboxTotals(set);
    }

    void unsubscribe(AgentBus bus, AgentSet set, ActorSystem<?> system) {
      for (String id : set.ids) bus.unsubscribe(id, ref);
      system.classicSystem().stop(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(ref));
    }

    CompletableFuture<Long> expect(UUID id, Duration timeout) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      expected.put(id, f);
      f.completeOnTimeout(-1L, timeout.toMillis(), TimeUnit.MILLISECONDS);
      f.thenRun(() -> expected.remove(id));
      return f;
    }

    void forget(UUID id) {
      expected.remove(id);
    }
  }
}
