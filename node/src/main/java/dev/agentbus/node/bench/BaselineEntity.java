package dev.agentbus.node.bench;

import dev.agentbus.actors.CborSerializable;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The baseline: a sharded entity with no persistence and no logic, answering each ask at once. Asking it
 * costs what the bus cannot avoid on this node (sharding routing, two mailbox hops, the ask's temporary
 * actor), so every workload's throughput is also reported as a ratio to it.
 */
final class BaselineEntity {
  private BaselineEntity() {}

  static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "BenchBaseline");

  sealed interface Command extends CborSerializable {}

  record Ping(long seq, ActorRef<Pong> replyTo) implements Command {}

  record Pong(long seq) implements CborSerializable {}

  static Behavior<Command> create() {
    return Behaviors.receive(Command.class)
        .onMessage(Ping.class, ping -> {
          ping.replyTo().tell(new Pong(ping.seq()));
          return Behaviors.same();
        })
        .build();
  }

  /** Registers the entity type on this node and returns the operation that asks one of {@code entities}. */
  static Operation operation(ActorSystem<?> system, int entities, Duration timeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_KEY, ctx -> create()));
    return (seq, random) -> {
      String id = Integer.toString(random.nextInt(entities));
      CompletionStage<Pong> answer =
          sharding.entityRefFor(ENTITY_KEY, id).ask(replyTo -> new Ping(seq, replyTo), timeout);
      // not handle(): on a Scala-backed stage that means handleAsync, which on a machine with fewer than
      // three CPUs starts a new thread per call (the common pool's parallelism is then 1)
      return answer.handleAsync((pong, error) -> error == null
          ? Outcome.accepted()
          : Outcome.failed(error.getClass().getSimpleName()), Runnable::run);
    };
  }
}
