package dev.agentbus.actors.directory;

import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.Tenants;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's read view of the agent directory, readable from any thread without asking an actor, so
 * the governance pipeline needs no remote call. Kept current by {@link AgentDirectory}.
 */
public final class DirectoryView {

  private final Map<String, AgentProfile> byId = new ConcurrentHashMap<>();
  // tenant (normalised, "" for none) -> agent ids, for broadcasts without a scan of every agent
  private final Map<String, Map<String, Boolean>> byTenant = new ConcurrentHashMap<>();

  public Optional<AgentProfile> find(String agentId) {
    return agentId == null ? Optional.empty() : Optional.ofNullable(byId.get(agentId));
  }

  public boolean isEmpty() {
    return byId.isEmpty();
  }

  public int size() {
    return byId.size();
  }

  public Collection<AgentProfile> all() {
    return List.copyOf(byId.values());
  }

  /** Active agents of the tenant (null for untenanted agents). */
  public List<AgentProfile> activeInTenant(String tenantId) {
    Map<String, Boolean> ids = byTenant.get(tenantKey(tenantId));
    if (ids == null) return List.of();
    List<AgentProfile> out = new ArrayList<>(ids.size());
    for (String id : ids.keySet()) {
      AgentProfile p = byId.get(id);
      if (p != null && p.isActive() && Objects.equals(tenantKey(p.tenantId()), tenantKey(tenantId))) out.add(p);
    }
    return out;
  }

  /** Applies a change made on this node at once; replication catches up the other nodes. */
  public void put(AgentProfile profile) {
    AgentProfile old = byId.put(profile.id(), profile);
    if (old != null && !Objects.equals(tenantKey(old.tenantId()), tenantKey(profile.tenantId()))) {
      removeFromTenant(old);
    }
    byTenant.computeIfAbsent(tenantKey(profile.tenantId()), t -> new ConcurrentHashMap<>()).put(profile.id(), true);
  }

  public void remove(String agentId) {
    AgentProfile old = byId.remove(agentId);
    if (old != null) removeFromTenant(old);
  }

  private void removeFromTenant(AgentProfile p) {
    Map<String, Boolean> ids = byTenant.get(tenantKey(p.tenantId()));
    if (ids != null) ids.remove(p.id());
  }

  private static String tenantKey(String tenantId) {
    String t = Tenants.normalize(tenantId);
    return t == null ? "" : t;
  }
}
