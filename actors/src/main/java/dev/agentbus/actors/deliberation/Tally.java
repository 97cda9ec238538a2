package dev.agentbus.actors.deliberation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The votes of one deliberation: one ballot per listed voter, a re-vote replacing the earlier one.
 * Immutable; {@link #cast} answers a new tally or a refusal.
 *
 * @param authorId the sender of the held message: never an eligible voter
 * @param voters the eligible voters, in listing order, without the author
 * @param ballots the latest ballot of each voter who voted, in order of first vote
 */
public record Tally(String authorId, List<String> voters, Map<String, Ballot> ballots) {

  public Tally {
    voters = List.copyOf(voters);
    ballots = Collections.unmodifiableMap(new LinkedHashMap<>(ballots));
  }

  /** A tally with no votes; duplicates, blanks and the author are dropped from the voters. */
  public static Tally open(String authorId, Collection<String> listedVoters) {
    LinkedHashSet<String> eligible = new LinkedHashSet<>();
    for (String v : listedVoters) {
      if (v != null && !v.isBlank() && !v.equals(authorId)) eligible.add(v);
    }
    return new Tally(authorId, new ArrayList<>(eligible), Map.of());
  }

  /** What {@link #cast} did. */
  public sealed interface Cast permits Counted, Refused {}

  /** @param replaced the voter's earlier ballot, or null */
  public record Counted(Tally tally, Ballot replaced) implements Cast {}

  /** @param code a {@link DeliberationCodes} refusal code */
  public record Refused(String code, String message) implements Cast {}

  /** Counts the ballot if its voter may vote: listed, and not the author of the message. */
  public Cast cast(Ballot ballot) {
    Objects.requireNonNull(ballot, "ballot");
    if (ballot.voterId().equals(authorId)) {
      return new Refused(DeliberationCodes.SELF_VOTE, "the sender of a message may not vote on it");
    }
    if (!voters.contains(ballot.voterId())) {
      return new Refused(DeliberationCodes.NOT_A_VOTER,
          "'" + ballot.voterId() + "' is not a voter of this deliberation");
    }
    return new Counted(with(ballot), ballots.get(ballot.voterId()));
  }

  /** The ballot counted without checks (for replaying an already checked vote). */
  public Tally with(Ballot ballot) {
    Map<String, Ballot> next = new LinkedHashMap<>(ballots);
    next.put(ballot.voterId(), ballot);
    return new Tally(authorId, voters, next);
  }

  /** How many voters may vote (N). */
  public int eligible() {
    return voters.size();
  }

  /** Votes cast (V): approvals, rejections and abstentions. */
  public int votes() {
    return ballots.size();
  }

  public int approvals() {
    return count(VoteChoice.APPROVE);
  }

  public int rejections() {
    return count(VoteChoice.REJECT);
  }

  public int abstentions() {
    return count(VoteChoice.ABSTAIN);
  }

  /** The voter's current choice, or null when it has not voted. */
  public VoteChoice choiceOf(String voterId) {
    Ballot b = ballots.get(voterId);
    return b == null ? null : b.choice();
  }

  private int count(VoteChoice choice) {
    int n = 0;
    for (Ballot b : ballots.values()) {
      if (b.choice() == choice) n++;
    }
    return n;
  }
}
