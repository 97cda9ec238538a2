package dev.agentbus.actors.policy;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * One per node: keeps this node's {@link ActivePolicy} on the registry's active bundle. The registry
 * writes the bundle into a Distributed Data {@link LWWRegister} (its clock is the activation generation,
 * so the latest activation always wins the merge); every node subscribes and installs each change. At
 * start the node also reads the active bundle from the registry itself, retrying until it answers,
 * because Distributed Data is in memory and empty after a restart of the whole cluster.
 */
public final class PolicyDistribution extends AbstractBehavior<PolicyDistribution.Command> {

  public static final Key<LWWRegister<ActiveBundle>> KEY = LWWRegisterKey.create("agentbus-active-policy");

  // the register orders values by activation generation, not by wall clock
  private static final LWWRegister.Clock<ActiveBundle> GENERATION = (current, value) -> value.generation();

  // ---- protocol ----

  // local to this node: never serialized
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** From the registry (on whichever node hosts it): write the active bundle for every node. */
  public record Publish(ActiveBundle active) implements Command {}

  private enum ReadRegistry implements Command {
    INSTANCE
  }

  private record RegistryAnswered(ActiveBundle active, Throwable error) implements Command {}

  private record Changed(Replicator.SubscribeResponse<LWWRegister<ActiveBundle>> response) implements Command {}

  private record Written(Replicator.UpdateResponse<LWWRegister<ActiveBundle>> response) implements Command {}

  private final ActivePolicy active;
  private final Supplier<CompletionStage<ActiveBundle>> readRegistry;
  private final Duration writeTimeout;
  private final ReplicatorMessageAdapter<Command, LWWRegister<ActiveBundle>> replicator;
  private final SelfUniqueAddress self;
  private final TimerScheduler<Command> timers;
  private boolean registryRead;

  private PolicyDistribution(ActorContext<Command> context, TimerScheduler<Command> timers,
      ReplicatorMessageAdapter<Command, LWWRegister<ActiveBundle>> replicator, ActivePolicy active,
      Supplier<CompletionStage<ActiveBundle>> readRegistry, Duration writeTimeout, Duration readRetry) {
    super(context);
    this.timers = timers;
    this.replicator = replicator;
    this.active = active;
    this.readRegistry = readRegistry;
    this.writeTimeout = writeTimeout;
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
    replicator.subscribe(KEY, Changed::new);
    timers.startTimerWithFixedDelay(ReadRegistry.INSTANCE, Duration.ZERO, readRetry);
  }

  /**
   * @param readRegistry asks the registry for its active bundle (through sharding)
   */
  public static Behavior<Command> create(ActivePolicy active, Supplier<CompletionStage<ActiveBundle>> readRegistry,
      Duration writeTimeout, Duration readRetry) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        DistributedData.<Command, LWWRegister<ActiveBundle>>withReplicatorMessageAdapter(replicator ->
            new PolicyDistribution(ctx, timers, replicator, active, readRegistry, writeTimeout, readRetry))));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(ReadRegistry.class, m -> onReadRegistry())
        .onMessage(RegistryAnswered.class, this::onRegistryAnswered)
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Written.class, this::onWritten)
        .build();
  }

  private Behavior<Command> onPublish(Publish m) {
    install(m.active());
    ActiveBundle value = m.active();
    replicator.askUpdate(
        replyTo -> new Replicator.Update<>(KEY, LWWRegister.create(self, value, GENERATION),
            new Replicator.WriteMajority(writeTimeout), replyTo, current -> current.withValue(self, value, GENERATION)),
        Written::new);
    return this;
  }

  private Behavior<Command> onReadRegistry() {
    if (registryRead) return this;
    CompletionStage<ActiveBundle> read;
    try {
      read = readRegistry.get();
    } catch (RuntimeException e) {
      read = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    getContext().pipeToSelf(read, RegistryAnswered::new);
    return this;
  }

  private Behavior<Command> onRegistryAnswered(RegistryAnswered m) {
    if (m.error() != null) {
      getContext().getLog().debug("Policy registry not reachable yet: {}", m.error().toString());
      return this; // the timer asks again
    }
    registryRead = true;
    timers.cancel(ReadRegistry.INSTANCE);
    install(m.active());
    return this;
  }

  private Behavior<Command> onChanged(Changed m) {
    if (m.response() instanceof Replicator.Changed<LWWRegister<ActiveBundle>> changed) {
      install(changed.get(KEY).getValue());
    }
    return this;
  }

  private Behavior<Command> onWritten(Written m) {
    if (!(m.response() instanceof Replicator.UpdateSuccess)) {
      // the local replica has it; gossip spreads it to the others within a few seconds
      getContext().getLog().warn("Active policy not confirmed by a majority in {}: {}", writeTimeout, m.response());
    }
    return this;
  }

  private void install(ActiveBundle bundle) {
    if (active.install(bundle)) {
      getContext().getLog().info("Active policy is now {} (generation {})", bundle.policyId(), bundle.generation());
    }
  }
}
