package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentbus.actors.deliberation.CriticReview.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inventory case 28: a review needs floor(n/2)+1 reviews, then a strict majority (reject, escalate, approve). */
class CriticReviewTest {

  private static final Instant T = Instant.parse("2026-01-15T12:00:00Z");

  @Test
  void needsFloorHalfPlusOneReviewsOfTheRegisteredCritics() {
    assertEquals(1, CriticReview.reviewsNeeded(0));
    assertEquals(1, CriticReview.reviewsNeeded(1));
    assertEquals(2, CriticReview.reviewsNeeded(2));
    assertEquals(2, CriticReview.reviewsNeeded(3));
    assertEquals(3, CriticReview.reviewsNeeded(4));
    assertEquals(Verdict.PENDING, CriticReview.evaluate(4, 2, 0, 0), "2 approvals of 4 critics: too few reviews");
    assertEquals(Verdict.APPROVE, CriticReview.evaluate(4, 3, 0, 0));
    assertEquals(Verdict.PENDING, CriticReview.evaluate(0, 0, 0, 0), "no critics: never a consensus");
  }

  @Test
  void thenAStrictMajorityOfTheReviewsReceivedDecides() {
    assertEquals(Verdict.APPROVE, CriticReview.evaluate(3, 2, 0, 0));
    assertEquals(Verdict.APPROVE, CriticReview.evaluate(5, 2, 1, 0));
    assertEquals(Verdict.PENDING, CriticReview.evaluate(3, 1, 1, 0), "1 to 1: no strict majority");
    assertEquals(Verdict.PENDING, CriticReview.evaluate(4, 1, 1, 1), "no verdict has more than half");
    assertEquals(Verdict.REJECT, CriticReview.evaluate(3, 0, 2, 0));
    assertEquals(Verdict.ESCALATE, CriticReview.evaluate(3, 0, 0, 2));
    assertEquals(Verdict.REJECT, CriticReview.evaluate(5, 1, 3, 1));
  }

  @Test
  void aReviewRequirementCountsOnlyTheVotesOfTheCritics() {
    Requirement review = Requirement.criticReview("critic");
    Map<String, List<String>> roles = Map.of("c1", List.of("critic"), "c2", List.of("critic"), "c3",
        List.of("critic"));
    Tally t = Tally.open("s", List.of("c1", "c2", "c3", "v1", "v2"))
        .with(new Ballot("v1", VoteChoice.APPROVE, "", T))
        .with(new Ballot("v2", VoteChoice.APPROVE, "", T))
        .with(new Ballot("c1", VoteChoice.APPROVE, "", T));
    assertEquals(Requirement.Status.PENDING, review.status(t, roles), "one review of three critics");
    assertEquals(Requirement.Status.MET, review.status(t.with(new Ballot("c2", VoteChoice.APPROVE, "", T)), roles));
    assertEquals(Requirement.Status.REJECTED, review.status(t
        .with(new Ballot("c2", VoteChoice.REJECT, "", T)).with(new Ballot("c3", VoteChoice.REJECT, "", T)), roles));
    assertEquals(Requirement.Status.ESCALATED, review.status(t
        .with(new Ballot("c2", VoteChoice.ABSTAIN, "", T)).with(new Ballot("c3", VoteChoice.ABSTAIN, "", T)), roles));
  }

  @Test
  void signaturesAreCompleteWhenEverySignerSignedAndARefusalRejects() {
    List<Requirement> sigs = List.of(Requirement.signature("supervisor"), Requirement.signature("compliance"));
    Map<String, List<String>> roles = Map.of("sup", List.of("supervisor"), "comp", List.of("compliance"));
    VotingRule rule = VotingRule.superMajority(0.66);
    Tally t = Tally.open("s", List.of("sup", "comp", "v1"))
        .with(new Ballot("v1", VoteChoice.APPROVE, "", T))
        .with(new Ballot("sup", VoteChoice.APPROVE, "", T));
    Consensus.Result half = Consensus.evaluate(rule, t, 2, sigs, roles);
    assertEquals(VotingRule.Verdict.PENDING, half.verdict(), "compliance has not signed");
    assertEquals(List.of(Requirement.signature("compliance")), half.unmet());
    Consensus.Result all = Consensus.evaluate(rule, t.with(new Ballot("comp", VoteChoice.APPROVE, "", T)), 2, sigs,
        roles);
    assertEquals(VotingRule.Verdict.APPROVED, all.verdict());
    Consensus.Result refused = Consensus.evaluate(rule, t.with(new Ballot("comp", VoteChoice.REJECT, "", T)), 2,
        sigs, roles);
    assertEquals(VotingRule.Verdict.REJECTED, refused.verdict(), "one refused signature rejects");
    assertEquals(Requirement.signature("compliance"), refused.rejectedBy());
  }

  @Test
  void anEscalatedReviewOrDeliberationLetsVotesRejectButNotApprove() {
    List<Requirement> review = List.of(Requirement.criticReview("critic"));
    Map<String, List<String>> roles = Map.of("c1", List.of("critic"));
    VotingRule rule = VotingRule.superMajority(0.66);
    Tally t = Tally.open("s", List.of("c1", "v1", "v2"))
        .with(new Ballot("v1", VoteChoice.APPROVE, "", T))
        .with(new Ballot("v2", VoteChoice.APPROVE, "", T))
        .with(new Ballot("c1", VoteChoice.ABSTAIN, "", T));
    Consensus.Result escalated = Consensus.evaluate(rule, t, 2, review, roles);
    assertEquals(VotingRule.Verdict.PENDING, escalated.verdict());
    assertEquals(Requirement.criticReview("critic"), escalated.escalatedBy());
    Tally approvedByCritic = t.with(new Ballot("c1", VoteChoice.APPROVE, "", T));
    assertEquals(VotingRule.Verdict.APPROVED, Consensus.evaluate(rule, approvedByCritic, 2, review, roles).verdict());
    assertEquals(VotingRule.Verdict.PENDING,
        Consensus.evaluate(rule, approvedByCritic, 2, review, roles, true).verdict(), "escalated: humans only");
  }
}
