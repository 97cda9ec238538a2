package dev.agentbus.actors.governance;

import java.util.concurrent.CompletionStage;

/**
 * A policy step that answers later: an external decision point (OPA over HTTP). The pipeline's
 * {@link GovernancePipeline#evaluateAsync} runs it without blocking; the synchronous
 * {@link GovernancePipeline#evaluate} waits for it, which is bounded by the step's own timeout. The stage
 * must not fail: a step that cannot decide denies (fail closed); a failed stage still denies, with
 * {@code governance_error}.
 */
public interface AsyncPolicyStep extends PolicyStep {

  CompletionStage<Verdict> evaluateAsync(GovernanceRequest request);

  @Override
  default Verdict evaluate(GovernanceRequest request) {
    return evaluateAsync(request).toCompletableFuture().join();
  }
}
