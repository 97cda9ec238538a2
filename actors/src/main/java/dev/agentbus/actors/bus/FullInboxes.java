package dev.agentbus.actors.bus;

import java.util.Set;

/**
 * Where the agent shards live and which nodes' inboxes are full of unacknowledged messages, as this node knows it
 * ({@link InboxPressure}). A direct message is refused when its recipient's shard lives on a full node, or when
 * the shard is not placed on any node yet while some node is full (it could be placed there); a broadcast
 * (recipients anywhere) whenever any node is full.
 *
 * @param elsewhere whether another node that is up is full
 * @param allElsewhere whether a full node's shards are not known: then every direct message is refused
 * @param fullShardsElsewhere the agent shards hosted by the other full nodes that are up
 * @param shardsElsewhere the agent shards hosted by the other nodes that are up, full or not
 * @param shardsHere the agent shards this node hosts; null while not known
 */
record FullInboxes(
    boolean elsewhere, boolean allElsewhere, Set<String> fullShardsElsewhere, Set<String> shardsElsewhere,
    Set<String> shardsHere) {

  static final FullInboxes NONE = new FullInboxes(false, false, Set.of(), Set.of(), null);

  FullInboxes {
    fullShardsElsewhere = Set.copyOf(fullShardsElsewhere);
    shardsElsewhere = Set.copyOf(shardsElsewhere);
    shardsHere = shardsHere == null ? null : Set.copyOf(shardsHere);
  }

  /**
   * Whether a message to an agent of this shard would land in full inboxes.
   *
   * @param shard the recipient's shard, or null for a broadcast
   * @param fullHere whether this node's inboxes are full
   */
  boolean refuses(String shard, boolean fullHere) {
    if (shard == null) return fullHere || elsewhere;
    if (allElsewhere) return true;
    if (shardsHere != null && shardsHere.contains(shard)) return fullHere;
    if (shardsElsewhere.contains(shard)) return fullShardsElsewhere.contains(shard);
    // not placed yet (or just moved): it may be placed on a full node
    return fullHere || elsewhere;
  }
}
