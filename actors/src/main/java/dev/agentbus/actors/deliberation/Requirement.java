package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An extra condition a risky message must meet before votes may approve it (inventory 3.5): a
 * signature of a named role, or a critic review. Either is given by an APPROVE vote of a voter holding
 * the role (a capability of its agent profile, captured when the deliberation opened). Rejections
 * need no requirement, and a human decision settles a deliberation whatever its requirements.
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
  public boolean satisfiedBy(Tally tally, Map<String, List<String>> voterRoles) {
    for (var e : tally.ballots().entrySet()) {
      if (e.getValue().choice() != VoteChoice.APPROVE) continue;
      List<String> roles = voterRoles.get(e.getKey());
      if (roles != null && roles.contains(role)) return true;
    }
    return false;
  }
}
