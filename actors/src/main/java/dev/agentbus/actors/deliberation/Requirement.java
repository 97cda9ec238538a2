package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An extra condition a risky message must meet before votes may approve it (inventory 3.5): a signature of a
 * named role, or a critic review. The voters holding the role (a capability of their agent profile, captured
 * when the deliberation opened) give it through their votes:
 *
 * <ul>
 *   <li>a signature is given by an APPROVE of a holder of its role; a REJECT of a holder refuses it, and a
 *       refused signature rejects the message;
 *   <li>a critic review follows {@link CriticReview} over the votes of the holders of the critic role (the
 *       registered critics): APPROVE is an approving review, REJECT a rejecting one, ABSTAIN asks to escalate.
 * </ul>
 *
 * A human decision settles a deliberation whatever its requirements.
 */
public record Requirement(Kind kind, String role) {

  public enum Kind {
    SIGNATURE,
    CRITIC_REVIEW;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    static Kind fromJson(String value) {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** Where a requirement stands. */
  public enum Status {
    PENDING,
    MET,
    /** A signer refused, or the critics rejected: the message is rejected. */
    REJECTED,
    /** The critics asked for humans: votes can no longer approve. */
    ESCALATED
  }

  public Requirement {
    Objects.requireNonNull(kind, "kind");
    if (role == null || role.isBlank()) throw new IllegalArgumentException("a requirement names a role");
  }

  public static Requirement signature(String role) {
    return new Requirement(Kind.SIGNATURE, role);
  }

  public static Requirement criticReview(String role) {
    return new Requirement(Kind.CRITIC_REVIEW, role);
  }

  /**
   * @param voterRoles the roles of each voter (voters without a role may be absent)
   */
  public Status status(Tally tally, Map<String, List<String>> voterRoles) {
    int holders = 0;
    int approvals = 0;
    int rejections = 0;
    int abstentions = 0;
    for (String voter : tally.voters()) {
      List<String> roles = voterRoles.get(voter);
      if (roles == null || !roles.contains(role)) continue;
      holders++;
      VoteChoice c = tally.choiceOf(voter);
      if (c == VoteChoice.APPROVE) approvals++;
      else if (c == VoteChoice.REJECT) rejections++;
      else if (c == VoteChoice.ABSTAIN) abstentions++;
    }
    if (kind == Kind.SIGNATURE) {
      if (rejections > 0) return Status.REJECTED;
      return approvals > 0 ? Status.MET : Status.PENDING;
    }
    return switch (CriticReview.evaluate(holders, approvals, rejections, abstentions)) {
      case APPROVE -> Status.MET;
      case REJECT -> Status.REJECTED;
      case ESCALATE -> Status.ESCALATED;
      case PENDING -> Status.PENDING;
    };
  }

  /** True when an approving vote of a holder gave it (for a review: the critics approved). */
  public boolean satisfiedBy(Tally tally, Map<String, List<String>> voterRoles) {
    return status(tally, voterRoles) == Status.MET;
  }
}
