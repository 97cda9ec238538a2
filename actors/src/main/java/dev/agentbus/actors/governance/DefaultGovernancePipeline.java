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

  @Override
  public Decision evaluate(GovernanceRequest request) {
    String step = "structure";
    try {
      AgentMessage m = request.message();
      requireProfilesMatch(request);
      Instant now = clock.instant();

      StructureCheck.Result checked = structure.check(m, now);
      if (checked.denial() != null) return deny(List.of(checked.denial()));

      step = "constitutional_hash";
      Optional<Reason> reason = hash.check(m.constitutionalHash());
      if (reason.isPresent()) return deny(List.of(reason.get()));

      step = "injection";
      reason = injection.check(checked.payloadJson());
      if (reason.isPresent()) return deny(List.of(reason.get()));

      step = "tenant";
      List<Reason> tenant = TenantIsolation.check(m, request.sender(), request.recipient());
      if (!tenant.isEmpty()) return deny(tenant);

      if (settings.maci().enabled()) {
        step = "maci";
        reason = maci.check(request);
        if (reason.isPresent()) return deny(List.of(reason.get()));
      }

      // policy steps may ask for a deliberation; that is decided after scoring, a later denial still wins
      List<Reason> held = new ArrayList<>();
      Map<String, String> policyAnnotations = new HashMap<>();
      for (int i = 0; i < policySteps.size(); i++) {
        step = "policy[" + i + "]";
        GovernanceStep s = policySteps.get(i);
        if (s instanceof PolicyStep p) {
          PolicyStep.Verdict v = p.evaluate(request);
          policyAnnotations.putAll(v.annotations());
          if (v.denial().isPresent()) return deny(List.of(v.denial().get()), policyAnnotations);
          held.addAll(v.deliberation());
        } else {
          reason = s.check(request);
          if (reason.isPresent()) return deny(List.of(reason.get()), policyAnnotations);
        }
      }

      step = "impact";
      ImpactScorer.Score score = scorer.score(m, now);
      if (!held.isEmpty() || score.total() >= settings.deliberationThreshold()) {
        return deliberate(score, held, policyAnnotations);
      }
      if (policyAnnotations.isEmpty()) return Decision.allow(score.total());
      return new Decision(Decision.Outcome.ALLOW, List.of(), score.total(), policyAnnotations);
    } catch (Exception | StackOverflowError e) {
      // no stack trace or exception message in the reason: it goes back to the caller
      return deny(List.of(new Reason(ReasonCodes.GOVERNANCE_ERROR,
          "Governance step '" + step + "' failed (" + e.getClass().getSimpleName() + "); message refused")),
          Map.of("failed_step", step));
    }
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
