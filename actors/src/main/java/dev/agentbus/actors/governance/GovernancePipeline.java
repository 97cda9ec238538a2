package dev.agentbus.actors.governance;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The fail-closed governance pipeline: structure and limits, constitutional hash, injection filter,
 * tenant isolation, MACI role separation, [policy steps], impact score, decision. Plain Java, no Pekko.
 * An exception inside any step is a DENY with reason {@code governance_error}.
 */
public interface GovernancePipeline {

  /** Decides now; an {@link AsyncPolicyStep} among the policy steps is waited for. */
  Decision evaluate(GovernanceRequest request);

  /**
   * The same decision, without blocking on an {@link AsyncPolicyStep} (an external policy decision point).
   * The stage never fails: an error is a DENY, as in {@link #evaluate}.
   */
  default CompletionStage<Decision> evaluateAsync(GovernanceRequest request) {
    return CompletableFuture.completedFuture(evaluate(request));
  }

  /** Hits, misses, evictions and size of the decision cache; empty when the pipeline has none. */
  default Optional<DecisionCache.Stats> cacheStats() {
    return Optional.empty();
  }

  /** The default pipeline with no policy steps. */
  static GovernancePipeline create(GovernanceSettings settings, Clock clock, OutputRegistry outputs) {
    return create(settings, clock, outputs, List.of());
  }

  /**
   * @param policySteps evaluated between MACI (5) and impact scoring; the seam for CEL policy bundles
   */
  static GovernancePipeline create(
      GovernanceSettings settings, Clock clock, OutputRegistry outputs, List<GovernanceStep> policySteps) {
    return new DefaultGovernancePipeline(settings, clock, outputs, policySteps, null);
  }

  /**
   * The same pipeline answering what it decided before from {@code cache} when the inputs are the same
   * (see {@link DecisionCache}); every decision is the one it would make without the cache.
   *
   * @param cache this pipeline's own: a cache must not be shared between pipelines of different settings
   */
  static GovernancePipeline create(GovernanceSettings settings, Clock clock, OutputRegistry outputs,
      List<GovernanceStep> policySteps, DecisionCache cache) {
    return new DefaultGovernancePipeline(settings, clock, outputs, policySteps, Objects.requireNonNull(cache, "cache"));
  }
}
