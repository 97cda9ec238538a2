package dev.agentbus.actors.bus;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
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
import org.apache.pekko.cluster.ddata.ORMultiMap;
import org.apache.pekko.cluster.ddata.ORMultiMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Which agent shards each node hosts and which nodes have inboxes full of unacknowledged messages (their
 * {@code InboxBudget}), shared with Distributed Data: a send enters at any node but its recipient's inbox lives
 * where its shard is, so a node refuses a message whose recipient's shard is on a full node ({@link FullInboxes}).
 * Each node checks its own budget and asks its shard region which agent shards it hosts, at an interval, and when
 * either changed writes its entry (its address to its shard ids, with a marker while full) into one map (written to
 * all nodes, else spread by gossip). Only members that are up count, so a node that left or crashed while full
 * holds nobody back.
 */
final class InboxPressure extends AbstractBehavior<InboxPressure.Command> {

  /** Node-local: never addressed from another node (replication is ddata's job). */
  sealed interface Command extends NoSerializationVerificationNeeded {}

  private enum Check implements Command {
    INSTANCE
  }

  /** The agent shards this node hosts; null when the shard region did not answer. */
  private record LocalShards(Set<String> shards) implements Command {}

  private record InternalChanged(Replicator.SubscribeResponse<ORMultiMap<String, String>> rsp) implements Command {}

  private record InternalUpdateResponse(Replicator.UpdateResponse<ORMultiMap<String, String>> rsp)
      implements Command {}

  static final Key<ORMultiMap<String, String>> KEY = ORMultiMapKey.create("agentbus-full-inbox-shards");
  /** In the entry of a full node (which may host no shard). */
  static final String FULL = "*";
  /** In the entry of a node whose shards are not known yet: while it is full, the others refuse every message. */
  static final String UNKNOWN = "?";

  /**
   * @param localFull whether this node's inboxes are full now
   * @param localResumed whether they are far enough below full again for the others to send to it: a node that
   *     is shown full stays shown until then, so that one near the mark does not flip the shared map (a write to
   *     every node) at every check
   * @param localShards the agent shards this node hosts (its shard region's state)
   * @param view set here: what this node knows of the full nodes and of its own shards
   */
  static Behavior<Command> create(
      BooleanSupplier localFull, BooleanSupplier localResumed, Supplier<CompletionStage<Set<String>>> localShards,
      AtomicReference<FullInboxes> view, Duration checkInterval, Duration writeTimeout) {
    return Behaviors.<Command>supervise(Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Check.INSTANCE, checkInterval);
      return DistributedData.withReplicatorMessageAdapter(
          (ReplicatorMessageAdapter<Command, ORMultiMap<String, String>> replicator) ->
              new InboxPressure(ctx, replicator, localFull, localResumed, localShards, view, writeTimeout));
    }))).onFailure(SupervisorStrategy.restart());
  }

  private final ReplicatorMessageAdapter<Command, ORMultiMap<String, String>> replicator;
  private final BooleanSupplier localFull;
  private final BooleanSupplier localResumed;
  private final Supplier<CompletionStage<Set<String>>> localShards;
  private final AtomicReference<FullInboxes> view;
  private final Duration writeTimeout;
  private final Cluster cluster;
  private final SelfUniqueAddress node;
  private final String self;
  // every node's entry: its agent shards, and the full marker while full
  private Map<String, Set<String>> nodes = Map.of();
  private Set<String> shardsHere;
  private boolean asking;
  // this node's entry being written (null: no write in flight): one write at a time, not one per check until the
  // replicator's next change notification (every 500 ms by default) shows it
  private Set<String> writing;

  private InboxPressure(
      ActorContext<Command> context, ReplicatorMessageAdapter<Command, ORMultiMap<String, String>> replicator,
      BooleanSupplier localFull, BooleanSupplier localResumed, Supplier<CompletionStage<Set<String>>> localShards,
      AtomicReference<FullInboxes> view, Duration writeTimeout) {
    super(context);
    this.replicator = replicator;
    this.localFull = localFull;
    this.localResumed = localResumed;
    this.localShards = localShards;
    this.view = view;
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
        .onMessage(LocalShards.class, this::onLocalShards)
        .onMessage(InternalChanged.class, this::onChanged)
        .onMessage(InternalUpdateResponse.class, this::onUpdateResponse)
        .build();
  }

  private Behavior<Command> onCheck() {
    if (!asking) {
      asking = true;
      getContext().pipeToSelf(localShards.get(), (shards, error) -> new LocalShards(error == null ? shards : null));
    }
    publishView();
    return this;
  }

  private Behavior<Command> onLocalShards(LocalShards msg) {
    asking = false;
    // a region that did not answer leaves the last known shards
    if (msg.shards() != null) shardsHere = Set.copyOf(msg.shards());
    Set<String> shown = nodes.get(self);
    boolean full = shown != null && shown.contains(FULL) ? !localResumed.getAsBoolean() : localFull.getAsBoolean();
    Set<String> wanted = entry(full);
    // until the map shows it (a restarted node also replaces what its former self left there)
    if (!wanted.equals(shown) && writing == null) {
      writing = wanted;
      replicator.askUpdate(
          replyTo -> new Replicator.Update<>(KEY, ORMultiMap.emptyWithValueDeltas(),
              new Replicator.WriteAll(writeTimeout), replyTo, m -> m.put(node, self, wanted)),
          InternalUpdateResponse::new);
    }
    publishView();
    return this;
  }

  /** This node's entry: its shards (the unknown marker while they are not known) and, while full, the full marker. */
  private Set<String> entry(boolean full) {
    Set<String> e = new HashSet<>();
    if (full) e.add(FULL);
    if (shardsHere == null) e.add(UNKNOWN);
    else e.addAll(shardsHere);
    return Set.copyOf(e);
  }

  private Behavior<Command> onUpdateResponse(InternalUpdateResponse msg) {
    if (msg.rsp() instanceof Replicator.UpdateSuccess<ORMultiMap<String, String>> && writing != null) {
      // written locally (and to the others, or on its way by gossip): the local view need not wait for Changed
      Map<String, Set<String>> next = new HashMap<>(nodes);
      next.put(self, writing);
      nodes = Map.copyOf(next);
    }
    // a failed write (timeout: a node did not confirm) is tried again at the next check if still needed
    writing = null;
    publishView();
    return this;
  }

  private Behavior<Command> onChanged(InternalChanged msg) {
    if (msg.rsp() instanceof Replicator.Changed<ORMultiMap<String, String>> changed) {
      Map<String, Set<String>> next = new HashMap<>();
      changed.get(KEY).getEntries().forEach((address, shards) -> next.put(address, Set.copyOf(shards)));
      nodes = Map.copyOf(next);
      publishView();
    }
    return this;
  }

  private void publishView() {
    boolean elsewhere = false;
    boolean all = false;
    Set<String> fullShards = new HashSet<>();
    Set<String> shards = new HashSet<>();
    if (!nodes.isEmpty()) {
      for (Member m : cluster.state().getMembers()) {
        String address = m.address().toString();
        Set<String> entry = nodes.get(address);
        if (m.status() != MemberStatus.up() || address.equals(self) || entry == null) continue;
        shards.addAll(entry);
        if (!entry.contains(FULL)) continue;
        elsewhere = true;
        if (entry.contains(UNKNOWN)) all = true;
        fullShards.addAll(entry);
      }
    }
    for (Set<String> s : List.of(fullShards, shards)) {
      s.remove(FULL);
      s.remove(UNKNOWN);
    }
    view.set(new FullInboxes(elsewhere, all, fullShards, shards, shardsHere));
  }
}
