package dev.agentbus.actors.policy;

import dev.agentbus.actors.CborSerializable;

/**
 * The active bundle as the registry distributes it to every node: its JSON and digest, and a generation
 * that grows with every activation and rollback, so a node never goes back to an older one when updates
 * arrive out of order.
 *
 * @param policyId null when no policy is active (then {@code digest} and {@code bundleJson} are too)
 */
public record ActiveBundle(long generation, String policyId, String digest, String bundleJson)
    implements CborSerializable {

  public static final ActiveBundle NONE = new ActiveBundle(0, null, null, null);

  public boolean present() {
    return bundleJson != null;
  }
}
