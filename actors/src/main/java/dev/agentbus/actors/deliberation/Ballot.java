package dev.agentbus.actors.deliberation;

import java.time.Instant;
import java.util.Objects;

/**
 * One vote as counted.
 *
 * @param reason free text from the voter; may be empty
 */
public record Ballot(String voterId, VoteChoice choice, String reason, Instant at) {
  public Ballot {
    Objects.requireNonNull(voterId, "voterId");
    Objects.requireNonNull(choice, "choice");
    reason = reason == null ? "" : reason;
  }
}
