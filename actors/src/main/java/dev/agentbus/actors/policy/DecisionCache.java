package dev.agentbus.actors.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.PolicyStep;
import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Policy verdicts of one node, bounded and with a TTL, keyed on every input of the decision and the
 * bundle's digest: never on content alone, so one sender can never ride on another's verdict (the
 * original's W2). Only used for bundles whose rules are {@link CompiledBundle#cacheable() cacheable}.
 * Thread-safe.
 */
public final class DecisionCache {

  /** Hits, misses and evictions since the node started (kept across bundle changes); size now. */
  public record Stats(long hits, long misses, long evictions, long size) {}

  /**
   * Every input a cacheable rule can see. The explicit fields make the identity of a decision obvious;
   * {@code inputsDigest} covers the rest (metadata, conversation, correlation and idempotency ids, the
   * message's constitutional hash, both profiles' names, types, tenants, capabilities, metadata, status).
   * Left out are only the fields a cacheable bundle cannot read ({@code id}, timestamps, lastSeen).
   */
  public record Key(
      String bundleDigest, String senderId, String senderRole, String tenantId, String recipientId,
      String recipientRole, String type, String priority, boolean broadcast, String payloadDigest,
      String inputsDigest) {

    public static Key of(GovernanceRequest request, String bundleDigest) {
      AgentMessage m = request.message();
      AgentProfile s = request.sender();
      AgentProfile r = request.recipient();
      MessageDigest rest = sha256();
      put(rest, m.conversationId());
      put(rest, m.correlationId());
      put(rest, m.idempotencyKey());
      put(rest, m.constitutionalHash());
      put(rest, m.metadata());
      profile(rest, s);
      profile(rest, r);
      return new Key(
          Objects.requireNonNull(bundleDigest, "bundleDigest"),
          m.sourceAgentId(),
          s == null || s.maciRole() == null ? null : s.maciRole().wire(),
          m.tenantId(),
          m.isBroadcast() ? null : m.targetAgentId(),
          r == null || r.maciRole() == null ? null : r.maciRole().wire(),
          m.type() == null ? null : m.type().wire(),
          m.priority() == null ? null : m.priority().wire(),
          m.isBroadcast(),
          m.payload() == null ? null : hex(sha256().digest(m.payload().toString().getBytes(StandardCharsets.UTF_8))),
          hex(rest.digest()));
    }

    private static void profile(MessageDigest d, AgentProfile p) {
      if (p == null) {
        put(d, "-");
        return;
      }
      put(d, "+");
      put(d, p.id());
      put(d, p.name());
      put(d, p.type());
      put(d, p.tenantId());
      put(d, p.maciRole() == null ? null : p.maciRole().wire());
      put(d, p.capabilities());
      put(d, p.metadata());
      put(d, p.status() == null ? null : p.status().wire());
    }

    // length-prefixed, with null distinct from "": no two different inputs give the same byte stream
    private static void put(MessageDigest d, String s) {
      if (s == null) {
        d.update((byte) 0);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      d.update((byte) 1);
      d.update(Integer.toString(b.length).getBytes(StandardCharsets.UTF_8));
      d.update((byte) ':');
      d.update(b);
    }

    private static void put(MessageDigest d, List<String> list) {
      put(d, Integer.toString(list == null ? -1 : list.size()));
      if (list != null) list.forEach(x -> put(d, x));
    }

    private static void put(MessageDigest d, Map<String, String> map) {
      put(d, Integer.toString(map == null ? -1 : map.size()));
      if (map != null) {
        new TreeMap<>(map).forEach((k, v) -> {
          put(d, k);
          put(d, v);
        });
      }
    }
  }

  private final Cache<Key, PolicyStep.Verdict> cache;

  /**
   * @param maxEntries bound on the number of verdicts held
   * @param ttl a verdict is dropped this long after it was computed
   */
  public DecisionCache(long maxEntries, Duration ttl) {
    if (maxEntries <= 0) throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    Objects.requireNonNull(ttl, "ttl");
    // same-thread maintenance: no background work, nothing to shut down
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).recordStats()
        .executor(Runnable::run).build();
  }

  public PolicyStep.Verdict get(Key key, Function<Key, PolicyStep.Verdict> compute) {
    return cache.get(key, compute);
  }

  /** Drops every verdict (on a bundle change). The counts stay. */
  public void clear() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  public Stats stats() {
    var s = cache.stats();
    return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), cache.estimatedSize());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
