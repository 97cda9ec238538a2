package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.agentbus.actors.deliberation.VotingRule.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The strategies of inventory 3.4 and the queue consensus of 3.3 (cases 24 and 26 of 9.1). */
class VotingRuleTest {

  private static final Instant T = Instant.parse("2026-01-15T12:00:00Z");

  /** A tally of n voters v1..vn where the given choices were cast by v1, v2, ... in order. */
  private static Tally tally(int n, VoteChoice... choices) {
    List<String> voters = new ArrayList<>();
    for (int i = 1; i <= n; i++) voters.add("v" + i);
    Tally t = Tally.open("sender", voters);
    for (int i = 0; i < choices.length; i++) t = t.with(new Ballot("v" + (i + 1), choices[i], "", T));
    return t;
  }

  private static final VoteChoice A = VoteChoice.APPROVE;
  private static final VoteChoice J = VoteChoice.REJECT;
  private static final VoteChoice B = VoteChoice.ABSTAIN;

  // ---- case 24: the queue's super-majority (0.66 of the votes cast, 5 required for a multi-vote task) ----

  @Test
  void superMajorityApprovesWhenTwoThirdsOfFiveVotesApprove() {
    VotingRule rule = VotingRule.superMajority(0.66);
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(6, A, A, A, A, J), 5));
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(6, A, A, A, A, B, B), 5)); // 4/6 = 0.667
  }

  @Test
  void superMajorityNeedsTheRequiredVotesBeforeApproving() {
    VotingRule rule = VotingRule.superMajority(0.66);
    assertEquals(Verdict.PENDING, rule.evaluate(tally(7, A, A, A, A), 5));
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(7, A, A, A, A, A), 5));
  }

  @Test
  void abstentionsCountInTheDenominator() {
    VotingRule rule = VotingRule.superMajority(0.66);
    // 3 approvals of 5 votes is 0.6: not approved, and one rejection cannot reject yet
    assertEquals(Verdict.PENDING, rule.evaluate(tally(5, A, A, A, B, B), 5));
    assertEquals(Verdict.PENDING, rule.evaluate(tally(6, A, A, A, J, B), 5));
  }

  @Test
  void superMajorityRejectsOnceApprovalIsOutOfReach() {
    VotingRule rule = VotingRule.superMajority(0.66);
    // 2 of 5 rejecting leave at most 3/5 = 0.6 approving: rejected by votes (the original never rejected)
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(5, J, J), 5));
    assertEquals(Verdict.PENDING, rule.evaluate(tally(5, J), 5));
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(5, A, A, A, J, J), 5));
  }

  // ---- case 26: the voting service's early resolution over N participants ----

  @Test
  void quorumApprovesOnAMajorityOfAllParticipantsAndRejectsAtHalf() {
    VotingRule rule = VotingRule.quorum();
    assertEquals(Verdict.PENDING, rule.evaluate(tally(5, A, A), 1));
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(5, A, A, A), 1));
    assertEquals(Verdict.PENDING, rule.evaluate(tally(5, J, J), 1));
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(5, J, J, J), 1));
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(4, A, J, J), 1)); // denials >= N/2
  }

  @Test
  void unanimousNeedsEveryParticipantAndRejectsOnTheFirstDenial() {
    VotingRule rule = VotingRule.unanimous();
    assertEquals(Verdict.PENDING, rule.evaluate(tally(3, A, A), 1));
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(3, A, A, A), 1));
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(3, J), 1));
    assertEquals(Verdict.PENDING, rule.evaluate(tally(3, A, A, B), 1)); // an abstention blocks unanimity
  }

  @Test
  void superMajorityOfTwoThirdsResolvesEarlyLikeTheVotingService() {
    VotingRule rule = VotingRule.superMajority(2.0 / 3.0);
    assertEquals(Verdict.PENDING, rule.evaluate(tally(3, J), 3));
    assertEquals(Verdict.REJECTED, rule.evaluate(tally(3, J, J), 3)); // denials > N/3
    assertEquals(Verdict.APPROVED, rule.evaluate(tally(3, A, A, J), 3)); // approvals >= 2N/3
  }

  @Test
  void votesDecideNothingWhenThereAreFewerVotersThanRequiredVotes() {
    for (VotingRule rule : List.of(VotingRule.quorum(), VotingRule.unanimous(), VotingRule.superMajority(0.66))) {
      assertEquals(Verdict.PENDING, rule.evaluate(tally(2, A, A), 3), rule.strategy().wire());
      assertEquals(Verdict.PENDING, rule.evaluate(tally(2, J, J), 3), rule.strategy().wire());
      assertEquals(Verdict.PENDING, rule.evaluate(tally(0), 1), rule.strategy().wire());
    }
  }

  @Test
  void picksTheRuleOfAStrategy() {
    assertEquals(VotingStrategy.QUORUM, VotingRule.of(VotingStrategy.QUORUM, 0.66).strategy());
    assertEquals(VotingStrategy.UNANIMOUS, VotingRule.of(VotingStrategy.UNANIMOUS, 0.66).strategy());
    assertEquals(VotingStrategy.SUPER_MAJORITY, VotingRule.of(VotingStrategy.SUPER_MAJORITY, 0.66).strategy());
    assertEquals(VotingStrategy.SUPER_MAJORITY, VotingStrategy.parse("super-majority").orElseThrow());
  }

  @Test
  void refusesASuperMajorityThatIsNoMajority() {
    assertThrows(IllegalArgumentException.class, () -> VotingRule.superMajority(0.5));
    assertThrows(IllegalArgumentException.class, () -> VotingRule.superMajority(1.1));
  }
}
