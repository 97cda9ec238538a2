package dev.agentbus.actors.governance;

import dev.agentbus.actors.model.AgentMessage;
import dev.agentbus.actors.model.AgentProfile;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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
 * never a degraded ALLOW (the original's W4). The pipeline caches nothing (a policy step that does must key on
 * every input, as ActivePolicy does), so a decision always reflects this
 * message's own sender, id and profile (W2). Thread-safe: the only mutable state is the scorer's
 * per-agent rings, each guarded by its own lock.
 */
final class DefaultGovernancePipeline implements GovernancePipeline {

  private final GovernanceSettings settings;
  private final Clock clock;
  private final StructureCheck structure;
  private final ConstitutionalHashCheck hash;
  private final InjectionFilter injection;
  private final MaciEnforcement maci;
  private final List<GovernanceStep> policySteps;
  private final ImpactScorer scorer;

  DefaultGovernancePipeline(
      GovernanceSettings settings, Clock clock, OutputRegistry outputs, List<GovernanceStep> policySteps) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.structure = new StructureCheck(settings.maxPayloadBytes());
    this.hash = new ConstitutionalHashCheck(settings.constitutionalHash());
    this.injection = new InjectionFilter(settings.extraInjectionPatterns());
    this.maci = new MaciEnforcement(settings.maci(), Objects.requireNonNull(outputs, "outputs"));
    this.policySteps = List.copyOf(policySteps);
    this.scorer = new ImpactScorer(settings.impact());
  }

  /** Where one evaluation is: the step running (for the error reason), the time, what policy steps said. */
  private static final class Progress {
    String step = "structure";
    Instant now;
    List<Reason> held;
    Map<String, String> annotations;
    // the structure step's payload text, handed to the policy steps (see GovernanceRequest#payloadJson)
    String payloadJson;
  }

  @Override
  public Decision evaluate(GovernanceRequest request) {
    Progress p = new Progress();
    try {
      Decision d = checks(request, p);
      if (d != null) return d;
      GovernanceRequest forPolicy = request.withPayloadJson(p.payloadJson);
      for (int i = 0; i < policySteps.size(); i++) {
        d = policy(i, forPolicy, p);
        if (d != null) return d;
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
      Decision d = checks(request, p);
      if (d != null) return CompletableFuture.completedFuture(d);
    } catch (Exception | StackOverflowError e) {
      return CompletableFuture.completedFuture(failed(p.step, e));
    }
    return policyFrom(0, request.withPayloadJson(p.payloadJson), p);
  }

  /** The policy steps from {@code first} on, then scoring; an async step continues when it answers. */
  private CompletionStage<Decision> policyFrom(int first, GovernanceRequest request, Progress p) {
    try {
      for (int i = first; i < policySteps.size(); i++) {
        if (policySteps.get(i) instanceof AsyncPolicyStep a) {
          p.step = "policy[" + i + "]";
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

  /** Steps 1-5; a DENY, or null to go on. */
  private Decision checks(GovernanceRequest request, Progress p) {
    AgentMessage m = request.message();
    requireProfilesMatch(request);
    p.now = clock.instant();

    StructureCheck.Result checked = structure.check(m, p.now);
    if (checked.denial() != null) return deny(List.of(checked.denial()));
    p.payloadJson = checked.reusableJson();

    p.step = "constitutional_hash";
    Optional<Reason> reason = hash.check(m.constitutionalHash());
    if (reason.isPresent()) return deny(List.of(reason.get()));

    p.step = "injection";
    reason = injection.check(checked.payloadJson());
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
    p.step = "policy[" + i + "]";
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
    ImpactScorer.Score score = scorer.score(request.message(), p.now);
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

  /** For tests. */
  ImpactScorer scorer() {
    return scorer;
  }
}
