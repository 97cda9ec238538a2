package dev.agentbus.actors.governance;

import java.util.Optional;

/** One check of the pipeline. Returns a denial reason, or empty to pass. May throw: the pipeline fails closed. */
@FunctionalInterface
public interface GovernanceStep {
  Optional<Reason> check(GovernanceRequest request);
}
