package dev.agentbus.node.bench;

/**
 * What one benchmark operation came to. A rejection is never a success: only {@link Kind#ACCEPTED}
 * counts towards throughput figures that claim accepted messages.
 *
 * @param reason the reason code of a rejection or failure, else null
 * @param endNanos when the operation ended for latency purposes ({@link System#nanoTime()}); 0 means
 *     "when its future completed"
 */
public record Outcome(Kind kind, String reason, long endNanos) {

  public enum Kind {
    ACCEPTED,
    REJECTED,
    HELD,
    FAILED
  }

  private static final Outcome ACCEPTED = new Outcome(Kind.ACCEPTED, null, 0);
  private static final Outcome HELD = new Outcome(Kind.HELD, null, 0);

  public static Outcome accepted() {
    return ACCEPTED;
  }

  public static Outcome held() {
    return HELD;
  }

  public static Outcome rejected(String reason) {
    return new Outcome(Kind.REJECTED, reason, 0);
  }

  public static Outcome failed(String reason) {
    return new Outcome(Kind.FAILED, reason, 0);
  }

  public Outcome endingAt(long nanos) {
    return new Outcome(kind, reason, nanos);
  }
}
