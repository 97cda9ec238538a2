package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.PolicyStep;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the active constitution bundle: ONE pipeline step that delegates to whatever
 * bundle is active now (none active: every message passes this step). A bundle is compiled once, when
 * it is installed; the decision cache is dropped on every change. Thread-safe: the pipeline reads one
 * {@link AtomicReference}; installs are serialised.
 *
 * <p>The decision cache is only used when the bundle is {@link CompiledBundle#cacheable() cacheable}:
 * rules that read {@code context} (time of day, sender and tenant rates) give time-dependent results,
 * so the default bundle (rate limits, business hours) is always evaluated afresh.
 */
public final class ActivePolicy implements PolicyStep {

  private static final Logger log = LoggerFactory.getLogger(ActivePolicy.class);

  private record Installed(long generation, String policyId, CompiledBundle compiled) {}

  private static final Installed NOTHING = new Installed(0, null, null);

  private final AtomicReference<Installed> current = new AtomicReference<>(NOTHING);
  private final DecisionCache cache;
  private final Clock clock;
  private final RateCounter rates;

  private ActivePolicy(DecisionCache cache, Clock clock, RateCounter rates) {
    this.cache = cache;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rates = Objects.requireNonNull(rates, "rates");
  }

  public static ActivePolicy create(PolicySettings settings, Clock clock) {
    DecisionCache cache = settings.cacheEnabled()
        ? new DecisionCache(settings.cacheMaxEntries(), settings.cacheTtl()) : null;
    return new ActivePolicy(cache, clock,
        RateCounter.inMemory(settings.rateWindow(), settings.rateBuckets(), settings.rateMaxKeys()));
  }

  /** For tests: a given cache (null for none) and rate counter. */
  public static ActivePolicy create(DecisionCache cache, Clock clock, RateCounter rates) {
    return new ActivePolicy(cache, clock, rates);
  }

  /**
   * Switches to {@code active} unless this node already holds that generation or a later one. A bundle
   * that does not parse, compile or match its digest is not installed (the registry never activates
   * one; this is the second line): the previous bundle stays.
   *
   * @return true when the active bundle changed
   */
  public synchronized boolean install(ActiveBundle active) {
    Installed now = current.get();
    if (active.generation() <= now.generation()) return false;
    if (!active.present()) {
      current.set(new Installed(active.generation(), null, null));
      clearCache();
      return now.compiled() != null;
    }
    if (now.compiled() != null && now.compiled().digest().equals(active.digest())) {
      current.set(new Installed(active.generation(), active.policyId(), now.compiled()));
      return false;
    }
    CompiledBundle compiled;
    try {
      ConstitutionBundle bundle = ConstitutionBundle.parse(active.bundleJson());
      if (!bundle.digest().equals(active.digest())) {
        throw new InvalidBundleException("digest " + bundle.digest() + " is not the announced " + active.digest());
      }
      compiled = CompiledBundle.compile(bundle, clock, rates);
    } catch (RuntimeException e) {
      log.error("Active policy {} (generation {}) not installed, keeping {}: {}", active.policyId(),
          active.generation(), now.policyId(), e.getMessage());
      return false;
    }
    current.set(new Installed(active.generation(), active.policyId(), compiled));
    clearCache();
    log.info("Policy {} active (bundle {}@{}, digest {}, generation {}, cached decisions: {})", active.policyId(),
        compiled.bundle().id(), compiled.bundle().version(), compiled.digest().substring(0, 12), active.generation(),
        compiled.cacheable() && cache != null);
    return true;
  }

  @Override
  public Verdict evaluate(GovernanceRequest request) {
    CompiledBundle compiled = current.get().compiled();
    if (compiled == null) return Verdict.pass();
    if (cache == null || !compiled.cacheable()) return compiled.decide(request);
    return cache.get(DecisionCache.Key.of(request, compiled.digest()), k -> compiled.decide(request));
  }

  public Optional<CompiledBundle> bundle() {
    return Optional.ofNullable(current.get().compiled());
  }

  public Optional<String> digest() {
    return bundle().map(CompiledBundle::digest);
  }

  public Optional<String> policyId() {
    return Optional.ofNullable(current.get().policyId());
  }

  /** The generation of the registry's activation this node holds (0: none seen yet). */
  public long generation() {
    return current.get().generation();
  }

  /** Hit, miss and eviction counts of the decision cache (zeros when it is off). */
  public DecisionCache.Stats cacheStats() {
    return cache == null ? new DecisionCache.Stats(0, 0, 0, 0) : cache.stats();
  }

  private void clearCache() {
    if (cache != null) cache.clear();
  }
}
