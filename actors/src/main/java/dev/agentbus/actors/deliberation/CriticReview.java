package dev.agentbus.actors.deliberation;

import java.util.Locale;

/**
 * The critic review rule of inventory 3.5 (case 28): of the {@code n} registered critics, at least
 * {@code floor(n/2)+1} must have reviewed; then a strict majority of the reviews received decides, checked in
 * the order reject, escalate, approve. Anything short of that is no consensus yet (a review that times out
 * without one escalates to the human approvers). Plain Java.
 */
public final class CriticReview {
  private CriticReview() {}

  public enum Verdict {
    PENDING,
    APPROVE,
    REJECT,
    ESCALATE;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How many reviews a consensus needs from {@code registeredCritics} critics. */
  public static int reviewsNeeded(int registeredCritics) {
    return registeredCritics / 2 + 1;
  }

  public static Verdict evaluate(int registeredCritics, int approvals, int rejections, int escalations) {
    if (registeredCritics < 0 || approvals < 0 || rejections < 0 || escalations < 0) {
      throw new IllegalArgumentException("counts must not be negative");
    }
    int received = approvals + rejections + escalations;
    if (received < reviewsNeeded(registeredCritics)) return Verdict.PENDING;
    if (2 * rejections > received) return Verdict.REJECT;
    if (2 * escalations > received) return Verdict.ESCALATE;
    if (2 * approvals > received) return Verdict.APPROVE;
    return Verdict.PENDING;
  }
}
