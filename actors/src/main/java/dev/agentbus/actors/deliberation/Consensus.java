package dev.agentbus.actors.deliberation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Combines a {@link VotingRule} with the risk {@link Requirement}s: votes approve only when the rule approves,
 * every requirement is met and nothing escalated the message to humans; a rejection by the rule stands on its
 * own, and so does a refused signature or a rejecting critic review (checked first).
 */
public final class Consensus {
  private Consensus() {}

  /**
   * @param unmet the requirements not met yet (whatever the verdict)
   * @param rejectedBy the requirement whose refusal rejected the message, or null
   * @param escalatedBy a critic review that asked for humans, or null
   */
  public record Result(VotingRule.Verdict verdict, List<Requirement> unmet, Requirement rejectedBy,
      Requirement escalatedBy) {
    public Result {
      unmet = List.copyOf(unmet);
    }
  }

  public static Result evaluate(
      VotingRule rule, Tally tally, int requiredVotes, List<Requirement> requirements,
      Map<String, List<String>> voterRoles) {
    return evaluate(rule, tally, requiredVotes, requirements, voterRoles, false);
  }

  /** @param escalated the deliberation was escalated to humans already: votes can reject it, not approve it */
  public static Result evaluate(
      VotingRule rule, Tally tally, int requiredVotes, List<Requirement> requirements,
      Map<String, List<String>> voterRoles, boolean escalated) {
    List<Requirement> unmet = new ArrayList<>();
    Requirement rejectedBy = null;
    Requirement escalatedBy = null;
    for (Requirement r : requirements) {
      Requirement.Status s = r.status(tally, voterRoles);
      if (s != Requirement.Status.MET) unmet.add(r);
      if (s == Requirement.Status.REJECTED && rejectedBy == null) rejectedBy = r;
      if (s == Requirement.Status.ESCALATED && escalatedBy == null) escalatedBy = r;
    }
    if (rejectedBy != null) return new Result(VotingRule.Verdict.REJECTED, unmet, rejectedBy, escalatedBy);
    VotingRule.Verdict verdict = rule.evaluate(tally, requiredVotes);
    if (verdict == VotingRule.Verdict.APPROVED && (!unmet.isEmpty() || escalated || escalatedBy != null)) {
      verdict = VotingRule.Verdict.PENDING;
    }
    return new Result(verdict, unmet, null, escalatedBy);
  }
}
