package dev.agentbus.actors.deliberation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inventory 3.5 (case 28): signatures at risk 0.8, a critic review at 0.95, as extra requirements. */
class RiskRulesTest {

  private static final Instant T = Instant.parse("2026-01-15T12:00:00Z");
  private final RiskRules rules = RiskRules.defaults();

  @Test
  void requiresNothingBelowTheSignatureThreshold() {
    assertEquals(List.of(), rules.requirementsFor(0.79));
  }

  @Test
  void requiresASignatureOfEachNamedRoleFrom0_8() {
    assertEquals(List.of(Requirement.signature("supervisor"), Requirement.signature("compliance")),
        rules.requirementsFor(0.8));
    assertEquals(2, rules.requirementsFor(0.949).size());
  }

  @Test
  void requiresACriticReviewTooFrom0_95() {
    assertEquals(List.of(Requirement.signature("supervisor"), Requirement.signature("compliance"),
        Requirement.criticReview("critic")), rules.requirementsFor(0.95));
  }

  @Test
  void noRequirementsWhenSwitchedOff() {
    assertEquals(List.of(), RiskRules.none().requirementsFor(1.0));
    assertEquals(List.of(), new RiskRules(0.8, List.of(), 0.95, "").requirementsFor(1.0));
  }

  @Test
  void aSignatureIsAnApprovingVoteOfAVoterHoldingTheRole() {
    Map<String, List<String>> roles = Map.of("v1", List.of("supervisor"));
    Tally t = Tally.open("s", List.of("v1", "v2"));
    Requirement sig = Requirement.signature("supervisor");
    assertEquals(false, sig.satisfiedBy(t.with(new Ballot("v2", VoteChoice.APPROVE, "", T)), roles));
    assertEquals(false, sig.satisfiedBy(t.with(new Ballot("v1", VoteChoice.REJECT, "", T)), roles));
    assertEquals(true, sig.satisfiedBy(t.with(new Ballot("v1", VoteChoice.APPROVE, "", T)), roles));
  }

  @Test
  void votesDoNotApproveWhileARequirementIsUnmetButMayReject() {
    List<Requirement> reqs = List.of(Requirement.signature("supervisor"));
    Map<String, List<String>> roles = Map.of("v3", List.of("supervisor"));
    VotingRule rule = VotingRule.superMajority(0.66);
    Tally t = Tally.open("s", List.of("v1", "v2", "v3"))
        .with(new Ballot("v1", VoteChoice.APPROVE, "", T))
        .with(new Ballot("v2", VoteChoice.APPROVE, "", T));
    Consensus.Result unsigned = Consensus.evaluate(rule, t, 2, reqs, roles);
    assertEquals(VotingRule.Verdict.PENDING, unsigned.verdict());
    assertEquals(reqs, unsigned.unmet());
    Consensus.Result signed =
        Consensus.evaluate(rule, t.with(new Ballot("v3", VoteChoice.APPROVE, "", T)), 2, reqs, roles);
    assertEquals(VotingRule.Verdict.APPROVED, signed.verdict());
    assertEquals(List.of(), signed.unmet());
    Tally rejecting = Tally.open("s", List.of("v1", "v2", "v3"))
        .with(new Ballot("v1", VoteChoice.REJECT, "", T))
        .with(new Ballot("v2", VoteChoice.REJECT, "", T));
    assertEquals(VotingRule.Verdict.REJECTED, Consensus.evaluate(rule, rejecting, 2, reqs, roles).verdict());
  }
}
