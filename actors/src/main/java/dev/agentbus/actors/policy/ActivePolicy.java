package dev.agentbus.actors.policy;

import dev.agentbus.actors.governance.GovernanceRequest;
import dev.agentbus.actors.governance.PolicyStep;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the active constitution bundle: ONE pipeline step that delegates to whatever
 * bundle is active now (none active: every message passes this step). A bundle is compiled once, when
 * it is installed. Thread-safe: the pipeline reads one {@link AtomicReference}; installs are serialised.
 *
 * <p>The pipeline's decision cache may keep this step's verdicts ({@link #cacheable()}) only while the
 * active bundle is {@link CompiledBundle#cacheable() cacheable}, under its digest: rules that read
 * {@code context} (time of day, sender and tenant rates) give time-dependent results, so the default bundle
 * (rate limits, business hours) is always evaluated afresh. A change of bundle changes the digest, so no
 * verdict of the previous bundle is used again; listeners ({@link #onChange}) may drop them at once.
 */
public final class ActivePolicy implements PolicyStep {

  private static final Logger log = LoggerFactory.getLogger(ActivePolicy.class);

  /** @param cacheable this state as the decision cache may key it, made once per install */
  private record Installed(long generation, String policyId, CompiledBundle compiled,
      Optional<PolicyStep.Cacheable> cacheable) {

    Installed(long generation, String policyId, CompiledBundle compiled) {
      this(generation, policyId, compiled, cacheableView(compiled));
    }

    private static Optional<PolicyStep.Cacheable> cacheableView(CompiledBundle compiled) {
      if (compiled == null) return Optional.of(NO_BUNDLE);
      return compiled.cacheableView();
    }
  }

  // no bundle: every message passes, which any cache may keep (no digest is ever this string)
  private static final PolicyStep.Cacheable NO_BUNDLE =
      new PolicyStep.Cacheable("no active bundle", request -> Verdict.pass());

  private static final Installed NOTHING = new Installed(0, null, null);

  private final AtomicReference<Installed> current = new AtomicReference<>(NOTHING);
  private final Clock clock;
  private final RateCounter rates;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  private ActivePolicy(Clock clock, RateCounter rates) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.rates = Objects.requireNonNull(rates, "rates");
  }

  public static ActivePolicy create(PolicySettings settings, Clock clock) {
    return new ActivePolicy(clock,
        RateCounter.inMemory(settings.rateWindow(), settings.rateBuckets(), settings.rateMaxKeys()));
  }

  /** For tests: a given rate counter. */
  public static ActivePolicy create(Clock clock, RateCounter rates) {
    return new ActivePolicy(clock, rates);
  }

  /** Runs {@code listener} after every change of the active bundle (e.g. to empty a decision cache). */
  public void onChange(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
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
      changed();
      return now.compiled() != null;
    }
    if (now.compiled() != null && now.compiled().digest().equals(active.digest())) {
      current.set(new Installed(active.generation(), active.policyId(), now.compiled(), now.cacheable()));
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
    changed();
    log.info("Policy {} active (bundle {}@{}, digest {}, generation {}, cacheable decisions: {})", active.policyId(),
        compiled.bundle().id(), compiled.bundle().version(), compiled.digest().substring(0, 12), active.generation(),
        compiled.cacheable());
    return true;
  }

  @Override
  public Verdict evaluate(GovernanceRequest request) {
    CompiledBundle compiled = current.get().compiled();
    return compiled == null ? Verdict.pass() : compiled.decide(request);
  }

  /** The active bundle under its digest when it is cacheable; "no bundle" when none is active. */
  @Override
  public Optional<Cacheable> cacheable() {
    return current.get().cacheable();
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

  private void changed() {
    for (Runnable listener : listeners) listener.run();
  }
}
