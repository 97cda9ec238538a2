package dev.agentbus.actors.deliberation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Combines a {@link VotingRule} with the risk {@link Requirement}s: votes approve only when the rule
 * approves and every requirement is met; a rejection by the rule stands on its own.
 */
public final class Consensus {
  private Consensus() {}

  /** @param unmet the requirements not met yet (whatever the verdict) */
  public record Result(VotingRule.Verdict verdict, List<Requirement> unmet) {
    public Result {
      unmet = List.copyOf(unmet);
    }
  }

  public static Result evaluate(
      VotingRule rule, Tally tally, int requiredVotes, List<Requirement> requirements,
      Map<String, List<String>> voterRoles) {
    List<Requirement> unmet = new ArrayList<>();
    for (Requirement r : requirements) {
      if (!r.satisfiedBy(tally, voterRoles)) unmet.add(r);
    }
    VotingRule.Verdict verdict = rule.evaluate(tally, requiredVotes);
    if (verdict == VotingRule.Verdict.APPROVED && !unmet.isEmpty()) verdict = VotingRule.Verdict.PENDING;
    return new Result(verdict, unmet);
  }
}
