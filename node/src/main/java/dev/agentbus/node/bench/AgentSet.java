package dev.agentbus.node.bench;

import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agents of one workload: ids unique to this run and workload (so that the loss check can pick this
 * workload's entries out of a shared ledger), their tenants and MACI roles, and how many messages each
 * one was sent that the bus accepted.
 */
final class AgentSet {

  private static final MaciRole[] ROLES = MaciRole.values();

  final Workload workload;
  final String prefix;
  final String[] ids;
  final String[] tenants;
  final MaciRole[] roles;
  private final int[] tenantOf;
  private final int[][] members;
  /** Accepted messages per recipient, warm-up included. */
  final AtomicLongArray acceptedTo;
  /** W6: CRITICAL sends made, and those accepted (which must not happen), warm-up included. */
  final LongAdder criticalSent = new LongAdder();
  final LongAdder criticalAccepted = new LongAdder();

  /**
   * @param tenantCount 0 for agents without a tenant
   */
  AgentSet(Workload workload, String runId, int agents, int tenantCount) {
    this.workload = workload;
    this.prefix = "bench-" + runId + "-" + workload.name().toLowerCase(java.util.Locale.ROOT) + "-";
    this.ids = new String[agents];
    this.tenants = new String[agents];
    this.roles = new MaciRole[agents];
    this.tenantOf = new int[agents];
    int groups = Math.max(1, tenantCount);
    List<List<Integer>> byTenant = new ArrayList<>();
    for (int t = 0; t < groups; t++) byTenant.add(new ArrayList<>());
    for (int i = 0; i < agents; i++) {
      ids[i] = prefix + "a" + i;
      tenantOf[i] = i % groups;
      tenants[i] = tenantCount == 0 ? null : "bench-" + runId + "-t" + tenantOf[i];
      roles[i] = ROLES[i % ROLES.length];
      byTenant.get(tenantOf[i]).add(i);
    }
    this.members = new int[groups][];
    for (int t = 0; t < groups; t++) members[t] = byTenant.get(t).stream().mapToInt(Integer::intValue).toArray();
    this.acceptedTo = new AtomicLongArray(agents);
  }

  /**
   * The message types this workload sends. The loss check reads back only these from the inboxes: the
   * bus also delivers its own messages (deliberation vote requests and notices, of the governance types).
   */
  Set<MessageType> types() {
    return switch (workload) {
      case W1, W2, W5 -> Set.of(MessageType.QUERY);
      case W3, W4, W6 -> Set.of(MessageType.COMMAND, MessageType.TASK_REQUEST, MessageType.QUERY);
      case W7 -> Set.of(MessageType.COMMAND, MessageType.QUERY);
    };
  }

  /** Whether the agent id is one of this set's. */
  boolean owns(String agentId) {
    return agentId != null && agentId.startsWith(prefix);
  }

  int size() {
    return ids.length;
  }

  /** Another agent of the sender's tenant, chosen at random. */
  int recipientFor(int sender, SplittableRandom random) {
    int[] group = members[tenantOf[sender]];
    if (group.length < 2) throw new IllegalStateException("a tenant needs at least two agents");
    while (true) {
      int r = group[random.nextInt(group.length)];
      if (r != sender) return r;
    }
  }

  long acceptedTotal() {
    long sum = 0;
    for (int i = 0; i < acceptedTo.length(); i++) sum += acceptedTo.get(i);
    return sum;
  }
}
