package dev.agentbus.actors.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Set;

/** The SDK's PolicyStatus: the review states of a policy in the {@link PolicyRegistry}. */
public enum PolicyStatus {
  DRAFT,
  PENDING_REVIEW,
  APPROVED,
  ACTIVE,
  DEPRECATED,
  ARCHIVED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static PolicyStatus fromWire(String value) {
    if (value != null) {
      for (PolicyStatus s : values()) {
        if (s.wire().equals(value.trim().toLowerCase(Locale.ROOT))) return s;
      }
    }
    throw new IllegalArgumentException("unknown policy status '" + value
        + "' (draft, pending_review, approved, active, deprecated, archived)");
  }

  /**
   * Where a policy may go from here by a status change. ACTIVE is left only by activating another policy
   * or rolling back (never to "nothing active" by accident); ARCHIVED is final.
   */
  public Set<PolicyStatus> next() {
    return switch (this) {
      case DRAFT -> Set.of(PENDING_REVIEW, APPROVED, ACTIVE, ARCHIVED);
      case PENDING_REVIEW -> Set.of(DRAFT, APPROVED, ACTIVE, ARCHIVED);
      case APPROVED -> Set.of(PENDING_REVIEW, ACTIVE, DEPRECATED, ARCHIVED);
      case ACTIVE -> Set.of();
      case DEPRECATED -> Set.of(ACTIVE, ARCHIVED);
      case ARCHIVED -> Set.of();
    };
  }

  /** Rules and description may be revised (a new version) only before review is over. */
  public boolean editable() {
    return this == DRAFT || this == PENDING_REVIEW;
  }
}
