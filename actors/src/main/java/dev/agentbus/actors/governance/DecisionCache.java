package dev.agentbus.actors.governance;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.agentbus.actors.model.AgentMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One node's cache of governance decisions, bounded and with a TTL: what the deterministic, stateless part
 * of the pipeline (structure and limits, constitutional hash, injection filter, tenant isolation, MACI
 * role permissions, the cacheable policy steps such as a bundle that reads neither time nor rates)
 * decided about a message, keyed on every input that part reads ({@link DecisionKey}). What depends on
 * the message id, the time or state (the id and expiry checks, the MACI self-validation registry, the
 * rate counting of a cached bundle, the impact score's per-sender history and hour, policy steps that
 * cannot be cached) runs on every call; a {@code governance_error} is never cached. With a doorkeeper, a
 * decision is kept at the second miss of its key, so one-off content is never inserted. Thread-safe.
 */
public final class DecisionCache {

  /** Hits, misses and evictions since the node started (kept across bundle changes); size now. */
  public record Stats(long hits, long misses, long evictions, long size) {}

  /** What the cached part decided; immutable but for the impact features, computed once. */
  static final class Entry {
    /** The DENY of a cached step, or null when they all passed. */
    final Decision denial;
    /** The first policy step not cached (the ones before it are). */
    final int live;
    /** How many of the cached policy steps ran (the ones up to a denial). */
    final int ran;
    /** Deliberation reasons and annotations of the cached policy steps. */
    final List<Reason> held;
    final Map<String, String> annotations;
    /** The structure step's reusable payload text (may be null), for the policy steps that run live. */
    final String payloadJson;
    private volatile ImpactScorer.Features features;

    private Entry(Decision denial, int live, int ran, List<Reason> held, Map<String, String> annotations,
        String payloadJson) {
      this.denial = denial;
      this.live = live;
      this.ran = ran;
      this.held = held;
      this.annotations = annotations;
      this.payloadJson = payloadJson;
    }

    /** @param ran the cached policy steps that ran before the denial, the denying one included */
    static Entry denied(Decision d, int ran) {
      return new Entry(Objects.requireNonNull(d, "d"), 0, ran, List.of(), Map.of(), null);
    }

    static Entry passed(int live, List<Reason> held, Map<String, String> annotations, String payloadJson) {
      return new Entry(null, live, live, List.copyOf(held), Map.copyOf(annotations), payloadJson);
    }

    /** The impact scorer's stateless features of this content, computed the first time a decision needs them. */
    ImpactScorer.Features features(ImpactScorer scorer, AgentMessage m) {
      ImpactScorer.Features f = features;
      if (f == null) {
        // racy but safe: every thread computes the same features from equal content
        f = scorer.features(m);
        features = f;
      }
      return f;
    }
  }

  private final Cache<DecisionKey, Entry> cache;
  private final DecisionKey.Limits limits;
  // keys that missed once, null when off; racy but safe: a lost or false sighting only moves an insertion
  private final Doorkeeper doorkeeper;
  // the one pipeline using this cache: another's settings (hash, MACI roles, limits) could decide otherwise
  private final AtomicReference<Object> owner = new AtomicReference<>();

  /**
   * @param maxEntries bound on the number of decisions held
   * @param ttl a decision is dropped this long after it was made
   * @param maxPayloadLength a payload whose JSON text is longer is never cached (each entry holds its payload)
   * @param maxPayloadDepth a payload nested deeper is never cached
   * @param doorkeeperKeys when positive, a decision is only kept when its key missed before, among about this
   *     many distinct keys that missed since the doorkeeper last forgot them all: content seen once (most
   *     messages) costs a lookup but no insertion and evicts nothing; 0 keeps every decision at its first miss
   */
  public DecisionCache(long maxEntries, Duration ttl, int maxPayloadLength, int maxPayloadDepth, int doorkeeperKeys) {
    this(maxEntries, ttl, maxPayloadLength, maxPayloadDepth, doorkeeperKeys, Ticker.systemTicker());
  }

  /** For tests: a given ticker for the TTL. */
  DecisionCache(long maxEntries, Duration ttl, int maxPayloadLength, int maxPayloadDepth, int doorkeeperKeys,
      Ticker ticker) {
    if (maxEntries <= 0) throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
    if (maxPayloadLength < 0 || maxPayloadDepth < 0 || doorkeeperKeys < 0) {
      throw new IllegalArgumentException("payload limits and doorkeeper keys must not be negative");
    }
    Objects.requireNonNull(ttl, "ttl");
    this.limits = new DecisionKey.Limits(maxPayloadLength, maxPayloadDepth);
    this.doorkeeper = doorkeeperKeys == 0 ? null : new Doorkeeper(doorkeeperKeys);
    // same-thread maintenance: no background work, nothing to shut down
    this.cache = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).recordStats()
        .executor(Runnable::run).ticker(ticker).build();
  }

  /** @throws IllegalStateException when another pipeline already uses this cache */
  void bind(Object pipeline) {
    if (!owner.compareAndSet(null, pipeline) && owner.get() != pipeline) {
      throw new IllegalStateException("a decision cache belongs to one pipeline");
    }
  }

  DecisionKey.Limits limits() {
    return limits;
  }

  Entry get(DecisionKey key) {
    return cache.getIfPresent(key);
  }

  /**
   * After a miss: whether this key's decision is to be kept (always without a doorkeeper; else when the key
   * missed before). Remembers the key either way.
   */
  boolean admit(DecisionKey key) {
    return doorkeeper == null || doorkeeper.seenBefore(key.hashCode());
  }

  /**
   * TinyLFU's doorkeeper: a Bloom filter of the keys that missed, emptied once it has taken its number of
   * keys (so it remembers recent ones, and never fills up). Two keys that share bits are at worst both kept
   * early; a key is never kept out for good, since the bits it sets stay until the filter is emptied.
   */
  private static final class Doorkeeper {
    // 8 bits and 2 probes per key: about 5 % of new keys pass for seen when the filter is at its fullest
    private static final int BITS_PER_KEY = 8;

    private final long[] bits;
    private final int size;
    private final int capacity;
    private int added;

    Doorkeeper(int keys) {
      this.capacity = keys;
      this.size = Math.multiplyExact(keys, BITS_PER_KEY);
      this.bits = new long[(size + Long.SIZE - 1) / Long.SIZE];
    }

    /** True when {@code hash} was added since the last reset; adds it otherwise. */
    boolean seenBefore(int hash) {
      // the key's hash is a polynomial of its fields: mix it into two independent-enough probes
      int h1 = hash * 0x9E3779B9;
      int h2 = Integer.rotateLeft(hash, 16) * 0x85EBCA6B;
      int a = Math.floorMod(h1, size);
      int b = Math.floorMod(h2 ^ (h1 >>> 16), size);
      if (get(a) && get(b)) return true;
      set(a);
      set(b);
      if (++added >= capacity) {
        Arrays.fill(bits, 0L);
        added = 0;
      }
      return false;
    }

    private boolean get(int i) {
      return (bits[i >>> 6] & (1L << i)) != 0;
    }

    private void set(int i) {
      bits[i >>> 6] |= 1L << i;
    }
  }

  /**
   * Puts {@code entry} under a copy of {@code key} that owns its payload, unless the payload's JSON text
   * ({@code payloadLength} characters) is over the limit.
   */
  void put(DecisionKey key, Entry entry, int payloadLength) {
    if (payloadLength > limits.maxPayloadLength()) return;
    cache.put(key.toStore(), entry);
  }

  /** Drops every decision (on a bundle change: entries under the old digest could never hit again). The counts stay. */
  public void clear() {
    cache.invalidateAll();
    cache.cleanUp();
  }

  public Stats stats() {
    var s = cache.stats();
    return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), cache.estimatedSize());
  }
}
