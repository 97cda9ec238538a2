package dev.agentbus.actors.deliberation;

import java.util.Objects;

/**
 * Decides a {@link Tally} by votes. With N eligible voters, V votes cast (abstentions included), A
 * approvals, J rejections and R required votes:
 *
 * <ul>
 *   <li>Votes decide nothing while N is 0 or below R: then a human must decide (or the deadline expires
 *       the deliberation).
 *   <li>Approval always needs V &ge; R; a rejection may come earlier (it is the fail-closed direction).
 *   <li>{@link #quorum()}: approve when A &gt; N/2; reject when J &ge; N/2 (inventory 3.4).
 *   <li>{@link #superMajority(double)} with threshold t: approve when A &ge; t&middot;V, the share of the
 *       votes cast, so abstentions count in the denominator (the original queue's rule, t = 0.66); reject
 *       when J &gt; (1 &minus; t)&middot;N, i.e. when A &ge; t&middot;V can no longer be reached even if every other
 *       voter approves (the rejection rule the original lacked; with t = 2/3 it is 3.4's J &gt; N/3).
 *   <li>{@link #unanimous()}: approve when A = N; reject on the first rejection (inventory 3.4).
 * </ul>
 *
 * <p>Decisions are final (early resolution): a deliberation stops counting once a rule decided.
 */
public interface VotingRule {

  enum Verdict {
    PENDING,
    APPROVED,
    REJECTED
  }

  /**
   * @param requiredVotes R, at least 1 in practice (0 behaves like 1)
   */
  Verdict evaluate(Tally tally, int requiredVotes);

  VotingStrategy strategy();

  static VotingRule quorum() {
    return Quorum.INSTANCE;
  }

  static VotingRule unanimous() {
    return Unanimous.INSTANCE;
  }

  /** @param threshold the share of the votes cast that must approve, in (0.5, 1] */
  static VotingRule superMajority(double threshold) {
    return new SuperMajority(threshold);
  }

  /** @param threshold used by {@link VotingStrategy#SUPER_MAJORITY} only */
  static VotingRule of(VotingStrategy strategy, double threshold) {
    return switch (Objects.requireNonNull(strategy, "strategy")) {
      case QUORUM -> quorum();
      case UNANIMOUS -> unanimous();
      case SUPER_MAJORITY -> superMajority(threshold);
    };
  }

  /** True when votes can decide at all: there are voters, and at least as many as the required votes. */
  static boolean votesCanDecide(Tally tally, int requiredVotes) {
    return tally.eligible() > 0 && tally.eligible() >= requiredVotes;
  }
}

enum Quorum implements VotingRule {
  INSTANCE;

  @Override
  public Verdict evaluate(Tally t, int requiredVotes) {
    if (!VotingRule.votesCanDecide(t, requiredVotes)) return Verdict.PENDING;
    int n = t.eligible();
    if (2L * t.rejections() >= n) return Verdict.REJECTED;
    if (t.votes() >= requiredVotes && 2L * t.approvals() > n) return Verdict.APPROVED;
    return Verdict.PENDING;
  }

  @Override
  public VotingStrategy strategy() {
    return VotingStrategy.QUORUM;
  }
}

enum Unanimous implements VotingRule {
  INSTANCE;

  @Override
  public Verdict evaluate(Tally t, int requiredVotes) {
    if (!VotingRule.votesCanDecide(t, requiredVotes)) return Verdict.PENDING;
    if (t.rejections() > 0) return Verdict.REJECTED;
    if (t.votes() >= requiredVotes && t.approvals() == t.eligible()) return Verdict.APPROVED;
    return Verdict.PENDING;
  }

  @Override
  public VotingStrategy strategy() {
    return VotingStrategy.UNANIMOUS;
  }
}

record SuperMajority(double threshold) implements VotingRule {
  SuperMajority {
    if (!(threshold > 0.5 && threshold <= 1.0)) {
      throw new IllegalArgumentException("super-majority threshold must be in (0.5, 1], got " + threshold);
    }
  }

  @Override
  public Verdict evaluate(Tally t, int requiredVotes) {
    if (!VotingRule.votesCanDecide(t, requiredVotes)) return Verdict.PENDING;
    if (t.rejections() > (1.0 - threshold) * t.eligible()) return Verdict.REJECTED;
    if (t.votes() >= Math.max(1, requiredVotes) && t.approvals() >= threshold * t.votes()) return Verdict.APPROVED;
    return Verdict.PENDING;
  }

  @Override
  public VotingStrategy strategy() {
    return VotingStrategy.SUPER_MAJORITY;
  }
}
