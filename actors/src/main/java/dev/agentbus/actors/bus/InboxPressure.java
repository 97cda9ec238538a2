package dev.agentbus.actors.bus;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ORSet;
import org.apache.pekko.cluster.ddata.ORSetKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Which nodes have inboxes full of unacknowledged messages (their {@code InboxBudget}), shared with
 * Distributed Data: a send enters at any node but its recipient's inbox may live on another, so every
 * node refuses new sends while any node that is up is full. Each node checks its own budget at an
 * interval and adds or removes its address in one set (written to all nodes, else spread by gossip).
 * Only members that are up count, so a node that left or crashed while full holds nobody back.
 */
final class InboxPressure extends AbstractBehavior<InboxPressure.Command> {

  /** Node-local: never addressed from another node (replication is ddata's job). */
  sealed interface Command extends NoSerializationVerificationNeeded {}

  private enum Check implements Command {
    INSTANCE
  }

  private record InternalChanged(Replicator.SubscribeResponse<ORSet<String>> rsp) implements Command {}

  private record InternalUpdateResponse(Replicator.UpdateResponse<ORSet<String>> rsp) implements Command {}

  static final Key<ORSet<String>> KEY = ORSetKey.create("agentbus-full-inboxes");

  /**
   * @param localFull whether this node's inboxes are full now
   * @param localResumed whether they are far enough below full again for the others to send to it: a node that
   *     is shown full stays shown until then, so that one near the mark does not flip the shared set (a write to
   *     every node) at every check
   * @param elsewhereFull set here: whether another node's are
   */
  static Behavior<Command> create(
      BooleanSupplier localFull, BooleanSupplier localResumed, AtomicBoolean elsewhereFull, Duration checkInterval,
      Duration writeTimeout) {
    return Behaviors.<Command>supervise(Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Check.INSTANCE, checkInterval);
      return DistributedData.withReplicatorMessageAdapter(
          (ReplicatorMessageAdapter<Command, ORSet<String>> replicator) ->
              new InboxPressure(ctx, replicator, localFull, localResumed, elsewhereFull, writeTimeout));
    }))).onFailure(SupervisorStrategy.restart());
  }

  private final ReplicatorMessageAdapter<Command, ORSet<String>> replicator;
  private final BooleanSupplier localFull;
  private final BooleanSupplier localResumed;
  private final AtomicBoolean elsewhereFull;
  private final Duration writeTimeout;
  private final Cluster cluster;
  private final SelfUniqueAddress node;
  private final String self;
  private Set<String> fullNodes = Set.of();
  // the value of this node's entry being written (null: none): one write at a time, not one per check until
  // the replicator's next change notification (every 500 ms by default) shows it
  private Boolean writing;

  private InboxPressure(
      ActorContext<Command> context, ReplicatorMessageAdapter<Command, ORSet<String>> replicator,
      BooleanSupplier localFull, BooleanSupplier localResumed, AtomicBoolean elsewhereFull, Duration writeTimeout) {
    super(context);
    this.replicator = replicator;
    this.localFull = localFull;
    this.localResumed = localResumed;
    this.elsewhereFull = elsewhereFull;
    this.writeTimeout = writeTimeout;
    this.cluster = Cluster.get(context.getSystem());
    this.node = DistributedData.get(context.getSystem()).selfUniqueAddress();
    this.self = cluster.selfMember().address().toString();
    replicator.subscribe(KEY, InternalChanged::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Check.class, c -> onCheck())
        .onMessage(InternalChanged.class, this::onChanged)
        .onMessage(InternalUpdateResponse.class, this::onUpdateResponse)
        .build();
  }

  private Behavior<Command> onCheck() {
    boolean shown = fullNodes.contains(self);
    boolean full = shown ? !localResumed.getAsBoolean() : localFull.getAsBoolean();
    // until the set shows it (a restarted node also clears what its former self left there)
    if (full != shown && writing == null) {
      writing = full;
      replicator.askUpdate(
          replyTo -> new Replicator.Update<>(KEY, ORSet.empty(), new Replicator.WriteAll(writeTimeout), replyTo,
              s -> full ? s.add(node, self) : s.remove(node, self)),
          InternalUpdateResponse::new);
    }
    elsewhereFull.set(anotherUpMemberIsFull());
    return this;
  }

  private Behavior<Command> onUpdateResponse(InternalUpdateResponse msg) {
    if (msg.rsp() instanceof Replicator.UpdateSuccess<ORSet<String>> && writing != null) {
      // written locally (and to the others, or on its way by gossip): the local view need not wait for Changed
      Set<String> next = new HashSet<>(fullNodes);
      if (writing) next.add(self);
      else next.remove(self);
      fullNodes = Set.copyOf(next);
    }
    // a failed write (timeout: a node did not confirm) is tried again at the next check if still needed
    writing = null;
    return this;
  }

  private Behavior<Command> onChanged(InternalChanged msg) {
    if (msg.rsp() instanceof Replicator.Changed<ORSet<String>> changed) {
      fullNodes = Set.copyOf(changed.get(KEY).getElements());
      elsewhereFull.set(anotherUpMemberIsFull());
    }
    return this;
  }

  private boolean anotherUpMemberIsFull() {
    if (fullNodes.isEmpty()) return false;
    for (Member m : cluster.state().getMembers()) {
      String address = m.address().toString();
      if (m.status() == MemberStatus.up() && !address.equals(self) && fullNodes.contains(address)) return true;
    }
    return false;
  }
}
