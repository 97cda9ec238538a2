package dev.agentbus.actors.directory;

import dev.agentbus.actors.model.AgentProfile;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * The agent directory: profiles replicated to every node with Distributed Data (LWW maps split over a
 * few keys so no single CRDT grows too big). The agent entities are authoritative and publish here;
 * every node keeps a {@link DirectoryView} current for the governance pipeline.
 */
public final class AgentDirectory extends AbstractBehavior<AgentDirectory.Command> {

  /** Node-local: the directory actor is never addressed from another node (replication is ddata's job). */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** Replicate a profile; the caller has already put it in this node's view (read-your-writes). */
  public record Publish(AgentProfile profile) implements Command {}

  /** Replicate a removal; the caller has already removed it from this node's view. */
  public record Withdraw(String agentId) implements Command {}

  private record InternalUpdateResponse(Replicator.UpdateResponse<LWWMap<String, AgentProfile>> rsp)
      implements Command {}

  private record InternalChanged(Replicator.SubscribeResponse<LWWMap<String, AgentProfile>> rsp)
      implements Command {}

  public static Behavior<Command> create(DirectoryView view, int shards, Duration writeTimeout) {
    return Behaviors.<Command>supervise(Behaviors.setup(
        ctx ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, AgentProfile>> replicator) ->
                    new AgentDirectory(ctx, replicator, view, shards, writeTimeout))))
        .onFailure(SupervisorStrategy.restart());
  }

  private final ReplicatorMessageAdapter<Command, LWWMap<String, AgentProfile>> replicator;
  private final DirectoryView view;
  private final SelfUniqueAddress node;
  private final int shards;
  private final Duration writeTimeout;
  // what the view holds from each shard, to find the removals in a change
  private final Map<String, Set<String>> shardIds = new HashMap<>();

  private AgentDirectory(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, AgentProfile>> replicator,
      DirectoryView view,
      int shards,
      Duration writeTimeout) {
    super(context);
    this.replicator = replicator;
    this.view = view;
    this.shards = shards;
    this.writeTimeout = writeTimeout;
    this.node = DistributedData.get(context.getSystem()).selfUniqueAddress();
    // One adapter serves every key (adapters are per message class), so a change names its key.
    for (int i = 0; i < shards; i++) replicator.subscribe(key(i), InternalChanged::new);
  }

  public static Key<LWWMap<String, AgentProfile>> key(int shard) {
    return LWWMapKey.create("agents-" + shard);
  }

  private int shardOf(String agentId) {
    return Math.floorMod(agentId.hashCode(), shards);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Publish.class, this::onPublish)
        .onMessage(Withdraw.class, this::onWithdraw)
        .onMessage(InternalUpdateResponse.class, rsp -> this)
        .onMessage(InternalChanged.class, this::onChanged)
        .build();
  }

  private Behavior<Command> onPublish(Publish cmd) {
    AgentProfile p = cmd.profile();
    // The publisher has already put it in this node's view (before the registration was answered).
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key(shardOf(p.id())),
                LWWMap.empty(),
                new Replicator.WriteMajority(writeTimeout),
                replyTo,
                m -> m.put(node, p.id(), p)),
        InternalUpdateResponse::new);
    return this;
  }

  private Behavior<Command> onWithdraw(Withdraw cmd) {
    replicator.askUpdate(
        replyTo ->
            new Replicator.Update<>(
                key(shardOf(cmd.agentId())),
                LWWMap.empty(),
                new Replicator.WriteMajority(writeTimeout),
                replyTo,
                m -> m.remove(node, cmd.agentId())),
        InternalUpdateResponse::new);
    return this;
  }

  private Behavior<Command> onChanged(InternalChanged msg) {
    if (msg.rsp() instanceof Replicator.Changed<LWWMap<String, AgentProfile>> changed) {
      String keyId = changed.key().id();
      Map<String, AgentProfile> entries = changed.get(changed.key()).getEntries();
      Set<String> before = shardIds.getOrDefault(keyId, Set.of());
      for (String id : before) if (!entries.containsKey(id)) view.remove(id);
      entries.values().forEach(view::put);
      shardIds.put(keyId, Set.copyOf(entries.keySet()));
    }
    return this;
  }
}
