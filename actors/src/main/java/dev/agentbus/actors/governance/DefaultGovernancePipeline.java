package dev.agentbus.actors.governance;

import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MessageType;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The pipeline of {@link GovernancePipeline}: structure and limits, constitutional hash, injection filter,
 * tenant isolation, MACI, policy steps, impact score, decision. It stops at the first step that denies.
 * A {@link PolicyStep} may also ask for a deliberation (the decision is then DELIBERATE whatever the
 * impact score, unless a later step denies) and annotate the decision ({@code policy.digest}, ...).
 *
 * <p>Fail closed: an exception anywhere (a policy step included) is a DENY with {@code governance_error},
 * never a degraded ALLOW (the original's W4).
 *
 * <p>With a {@link DecisionCache}, what steps 1-5 and the leading {@link PolicyStep#cacheable() cacheable}
 * policy steps decided is kept under a key of every input they read (never the content alone, so a decision
 * always reflects this message's own sender, profiles and tenant: W2). On every call, hit or not, these still
 * run: the profile wiring check, the message id check (an empty id is refused even if the same content passed
 * before), the expiry check, the policy steps after the cached ones (a bundle reading time or rates, OPA), and
 * the impact score's time- and history-dependent part (its payload features are kept with the entry). A
 * message whose type asks for a validation, with MACI on, bypasses the cache: its check reads the output
 * registry. Thread-safe: the mutable state is the scorer's per-agent rings, each guarded by its own lock, and
 * the cache.
 */
final class DefaultGovernancePipeline implements GovernancePipeline {

  private final GovernanceSettings settings;
  private final Clock clock;
  private final StructureCheck structure;
  private final ConstitutionalHashCheck hash;
  private final InjectionFilter injection;
  private final MaciEnforcement maci;
  private final List<GovernanceStep> policySteps;
  // "policy[i]", for the error reason, made once
  private final String[] policyStepNames;
  private final ImpactScorer scorer;
  private final DecisionCache cache;
  // the cacheable policy steps as last seen: while they are the same, so is the key's policy part (no allocation)
  private volatile Cached lastCached = Cached.NONE;

  /** @param cache null for none */
  DefaultGovernancePipeline(GovernanceSettings settings, Clock clock, OutputRegistry outputs,
      List<GovernanceStep> policySteps, DecisionCache cache) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.structure = new StructureCheck(settings.maxPayloadBytes());
    this.hash = new ConstitutionalHashCheck(settings.constitutionalHash());
    this.injection = new InjectionFilter(settings.extraInjectionPatterns());
    this.maci = new MaciEnforcement(settings.maci(), Objects.requireNonNull(outputs, "outputs"));
    this.policySteps = List.copyOf(policySteps);
    this.policyStepNames = new String[this.policySteps.size()];
    for (int i = 0; i < policyStepNames.length; i++) policyStepNames[i] = "policy[" + i + "]";
    this.scorer = new ImpactScorer(settings.impact());
    this.cache = cache;
    if (cache != null) cache.bind(this);
  }

  /** Where one evaluation is: the step running (for the error reason), the time, what policy steps said. */
  private static final class Progress {
    String step = "structure";
    Instant now;
    List<Reason> held;
    Map<String, String> annotations;
    // the structure step's payload text, handed to the policy steps (see GovernanceRequest#payloadJson)
    String payloadJson;
    // the whole payload text (for the injection filter) and its length
    String fullPayloadJson;
    int payloadLength;
    // the first policy step still to run
    int live;
    // the cached decision this one continues, if any (for the impact features)
    DecisionCache.Entry entry;
  }

  @Override
  public Decision evaluate(GovernanceRequest request) {
    Progress p = new Progress();
    try {
      Decision d = upToLiveSteps(request, p);
      if (d != null) return d;
      if (p.live < policySteps.size()) {
        GovernanceRequest forPolicy = request.withPayloadJson(p.payloadJson);
        for (int i = p.live; i < policySteps.size(); i++) {
          d = policy(i, forPolicy, p);
          if (d != null) return d;
        }
      }
      return score(request, p);
    } catch (Exception | StackOverflowError e) {
      return failed(p.step, e);
    }
  }

  @Override
  public CompletionStage<Decision> evaluateAsync(GovernanceRequest request) {
    Progress p = new Progress();
    try {
      Decision d = upToLiveSteps(request, p);
      if (d != null) return CompletableFuture.completedFuture(d);
    } catch (Exception | StackOverflowError e) {
      return CompletableFuture.completedFuture(failed(p.step, e));
    }
    return policyFrom(p.live, request.withPayloadJson(p.payloadJson), p);
  }

  /** The policy steps answered from the cache: their identities (the key) and the steps in that state. */
  private record Cached(List<Object> identity, List<PolicyStep.Cacheable> steps) {
    static final Cached NONE = new Cached(DecisionKey.NO_POLICY, List.of());
  }

  /**
   * Steps 1-5 and the cacheable policy steps, answered by the cache when it can; a DENY, or null to go on
   * with policy step {@code p.live}. Without a cache (or for a message it must not answer), steps 1-5 only.
   */
  private Decision upToLiveSteps(GovernanceRequest request, Progress p) {
    requireProfilesMatch(request);
    Cached cached = cache == null ? null : cacheablePolicySteps(request);
    DecisionKey key = cached == null ? null : DecisionKey.of(request, cached.identity(), cache.limits());
    if (key == null) {
      Decision d = structure(request, p);
      return d != null ? d : stateless(request, p);
    }
    DecisionCache.Entry hit = cache.get(key);
    if (hit != null) return continueFrom(hit, cached, request, p);

    Decision d = structure(request, p);
    // a refusal by the structure step is not cached: it may depend on the id or the time
    if (d != null) return d;
    boolean keep = cache.admit(key);
    int payloadLength = p.payloadLength;
    d = stateless(request, p);
    if (d != null) {
      if (keep) cache.put(key, DecisionCache.Entry.denied(d, 0), payloadLength);
      return d;
    }
    GovernanceRequest forPolicy = request.withPayloadJson(p.payloadJson);
    List<PolicyStep.Cacheable> steps = cached.steps();
    for (int i = 0; i < steps.size(); i++) {
      p.step = policyStepNames[i];
      d = apply(steps.get(i).step().evaluate(forPolicy), p);
      if (d != null) {
        if (keep) cache.put(key, DecisionCache.Entry.denied(d, i + 1), payloadLength);
        return d;
      }
    }
    if (keep) {
      DecisionCache.Entry entry = DecisionCache.Entry.passed(steps.size(), p.held, p.annotations, p.payloadJson);
      cache.put(key, entry, payloadLength);
      p.entry = entry;
    }
    p.live = steps.size();
    return null;
  }

  /**
   * The leading policy steps that may be cached now, or null when this message must not be answered from
   * the cache at all (a validation with MACI on: its check reads the output registry).
   */
  private Cached cacheablePolicySteps(GovernanceRequest request) {
    MessageType type = request.message().type();
    if (settings.maci().enabled() && type != null
        && MaciEnforcement.actionFor(type) == MaciEnforcement.Action.VALIDATE) {
      return null;
    }
    Cached last = lastCached;
    int n = 0;
    PolicyStep.Cacheable[] fresh = null;
    for (int i = 0; i < policyStepNames.length; i++) {
      GovernanceStep s = policySteps.get(i);
      // an asynchronous step (an external decision point) is asked every time
      if (!(s instanceof PolicyStep ps) || s instanceof AsyncPolicyStep) break;
      Optional<PolicyStep.Cacheable> c = ps.cacheable();
      if (c.isEmpty()) break;
      if (fresh == null && (n >= last.steps().size() || last.steps().get(n) != c.get())) {
        fresh = last.steps().subList(0, n).toArray(new PolicyStep.Cacheable[policyStepNames.length]);
      }
      if (fresh != null) fresh[n] = c.get();
      n++;
    }
    if (fresh == null && n == last.steps().size()) return last;
    List<PolicyStep.Cacheable> steps = fresh == null ? last.steps().subList(0, n) : Arrays.asList(fresh).subList(0, n);
    List<Object> identity = new ArrayList<>(n);
    for (PolicyStep.Cacheable c : steps) identity.add(c.identity());
    Cached now = new Cached(List.copyOf(identity), List.copyOf(steps));
    lastCached = now;
    return now;
  }

  /**
   * A hit: the checks that depend on this message's id and the time, what the cached policy steps must still
   * do where they would have run, then what the cache holds.
   */
  private Decision continueFrom(DecisionCache.Entry hit, Cached cached, GovernanceRequest request, Progress p) {
    AgentMessage m = request.message();
    Reason refused = StructureCheck.missingId(m);
    if (refused != null) return deny(List.of(refused));
    p.now = clock.instant();
    refused = StructureCheck.expired(m, p.now);
    if (refused != null) return deny(List.of(refused));
    for (int i = 0; i < hit.ran; i++) {
      p.step = policyStepNames[i];
      cached.steps().get(i).onHit().accept(request);
    }
    if (hit.denial != null) return hit.denial;
    p.payloadJson = hit.payloadJson;
    p.live = hit.live;
    p.entry = hit;
    if (hit.live < policySteps.size()) {
      // live policy steps add to these
      p.held = new ArrayList<>(hit.held);
      p.annotations = new HashMap<>(hit.annotations);
    } else {
      p.held = hit.held;
      p.annotations = hit.annotations;
    }
    return null;
  }

  /** The policy steps from {@code first} on, then scoring; an async step continues when it answers. */
  private CompletionStage<Decision> policyFrom(int first, GovernanceRequest request, Progress p) {
    try {
      for (int i = first; i < policySteps.size(); i++) {
        if (policySteps.get(i) instanceof AsyncPolicyStep a) {
          p.step = policyStepNames[i];
          int next = i + 1;
          return a.evaluateAsync(request).handle((v, e) -> {
            if (e != null) return CompletableFuture.completedFuture(failed(p.step, e));
            try {
              Decision d = apply(v, p);
              return d != null ? CompletableFuture.completedFuture(d) : policyFrom(next, request, p);
            } catch (Exception | StackOverflowError x) {
              return CompletableFuture.completedFuture(failed(p.step, x));
            }
          }).thenCompose(stage -> stage);
        }
        Decision d = policy(i, request, p);
        if (d != null) return CompletableFuture.completedFuture(d);
      }
      return CompletableFuture.completedFuture(score(request, p));
    } catch (Exception | StackOverflowError e) {
      return CompletableFuture.completedFuture(failed(p.step, e));
    }
  }

  /** Step 1, structure and limits; a DENY, or null to go on (with the payload's text in {@code p}). */
  private Decision structure(GovernanceRequest request, Progress p) {
    p.now = clock.instant();
    StructureCheck.Result checked = structure.check(request.message(), p.now);
    if (checked.denial() != null) return deny(List.of(checked.denial()));
    p.payloadJson = checked.reusableJson();
    p.fullPayloadJson = checked.payloadJson();
    p.payloadLength = checked.payloadJson().length();
    return null;
  }

  /**
   * Steps 2-5, which depend on the message's fields but its id and expiry, and on the profiles (MACI's
   * validation rules also on the output registry); a DENY, or null to go on.
   */
  private Decision stateless(GovernanceRequest request, Progress p) {
    AgentMessage m = request.message();
    p.step = "constitutional_hash";
    Optional<Reason> reason = hash.check(m.constitutionalHash());
    if (reason.isPresent()) return deny(List.of(reason.get()));

    p.step = "injection";
    reason = injection.check(p.fullPayloadJson);
    if (reason.isPresent()) return deny(List.of(reason.get()));

    p.step = "tenant";
    List<Reason> tenant = TenantIsolation.check(m, request.sender(), request.recipient());
    if (!tenant.isEmpty()) return deny(tenant);

    if (settings.maci().enabled()) {
      p.step = "maci";
      reason = maci.check(request);
      if (reason.isPresent()) return deny(List.of(reason.get()));
    }
    // policy steps may ask for a deliberation; that is decided after scoring, a later denial still wins
    p.held = new ArrayList<>();
    p.annotations = new HashMap<>();
    return null;
  }

  /** Policy step {@code i} (an async one is waited for); a DENY, or null to go on. */
  private Decision policy(int i, GovernanceRequest request, Progress p) {
    p.step = policyStepNames[i];
    GovernanceStep s = policySteps.get(i);
    if (s instanceof PolicyStep ps) return apply(ps.evaluate(request), p);
    Optional<Reason> reason = s.check(request);
    return reason.isPresent() ? deny(List.of(reason.get()), p.annotations) : null;
  }

  private static Decision apply(PolicyStep.Verdict v, Progress p) {
    p.annotations.putAll(v.annotations());
    if (v.denial().isPresent()) return deny(List.of(v.denial().get()), p.annotations);
    p.held.addAll(v.deliberation());
    return null;
  }

  private Decision score(GovernanceRequest request, Progress p) {
    p.step = "impact";
    AgentMessage m = request.message();
    // the payload's features are the same for equal content; the time and the sender's history never are
    ImpactScorer.Features features = p.entry != null ? p.entry.features(scorer, m) : scorer.features(m);
    ImpactScorer.Score score = scorer.score(features, m.sourceAgentId(), p.now);
    if (!p.held.isEmpty() || score.total() >= settings.deliberationThreshold()) {
      return deliberate(score, p.held, p.annotations);
    }
    if (p.annotations.isEmpty()) return Decision.allow(score.total());
    return new Decision(Decision.Outcome.ALLOW, List.of(), score.total(), p.annotations);
  }

  /** Fail closed; no stack trace or exception message in the reason: it goes back to the caller. */
  private static Decision failed(String step, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return deny(List.of(new Reason(ReasonCodes.GOVERNANCE_ERROR,
        "Governance step '" + step + "' failed (" + cause.getClass().getSimpleName() + "); message refused")),
        Map.of("failed_step", step));
  }

  /** The caller must hand in the profiles of this message's endpoints; anything else is a wiring bug. */
  private static void requireProfilesMatch(GovernanceRequest request) {
    AgentMessage m = request.message();
    AgentProfile sender = request.sender();
    if (sender != null && !Objects.equals(sender.id(), m.sourceAgentId())) {
      throw new IllegalArgumentException("sender profile does not belong to the message's source");
    }
    AgentProfile recipient = request.recipient();
    if (recipient != null && !m.isBroadcast() && !Objects.equals(recipient.id(), m.targetAgentId())) {
      throw new IllegalArgumentException("recipient profile does not belong to the message's target");
    }
  }

  private static Decision deny(List<Reason> reasons) {
    return deny(reasons, Map.of());
  }

  private static Decision deny(List<Reason> reasons, Map<String, String> extra) {
    Map<String, String> annotations = new HashMap<>(extra);
    annotations.put(ReasonCodes.REJECTION_REASON, reasons.get(0).code());
    return new Decision(Decision.Outcome.DENY, reasons, 0.0, annotations);
  }

  /** Held by policy rules, by the impact score, or both; the policy reasons come first. */
  private Decision deliberate(ImpactScorer.Score s, List<Reason> held, Map<String, String> policyAnnotations) {
    List<Reason> reasons = new ArrayList<>(held);
    if (s.total() >= settings.deliberationThreshold()) {
      reasons.add(new Reason(ReasonCodes.HIGH_IMPACT, "Impact score " + s.total()
          + " reaches the deliberation threshold " + settings.deliberationThreshold()));
    }
    // the features explain to reviewers why the message is held
    Map<String, String> annotations = new HashMap<>(policyAnnotations);
    annotations.putAll(Map.of(
        "impact.semantic", Double.toString(s.semantic()),
        "impact.permission", Double.toString(s.permission()),
        "impact.volume", Double.toString(s.volume()),
        "impact.context", Double.toString(s.context()),
        "impact.drift", Double.toString(s.drift()),
        "impact.priority", Double.toString(s.priority()),
        "impact.type", Double.toString(s.type())));
    return new Decision(Decision.Outcome.DELIBERATE, reasons, s.total(), annotations);
  }

  @Override
  public Optional<DecisionCache.Stats> cacheStats() {
    return cache == null ? Optional.empty() : Optional.of(cache.stats());
  }

  /** For tests. */
  ImpactScorer scorer() {
    return scorer;
  }
}
