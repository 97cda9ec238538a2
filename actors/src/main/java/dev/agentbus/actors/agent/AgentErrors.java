package dev.agentbus.actors.agent;

import org.apache.pekko.pattern.StatusReply;

/**
 * Errors between actors travel as {@code StatusReply.error("code: message")} (a plain string, so it
 * serializes); the edge splits the code back out with {@link #code}.
 */
public final class AgentErrors {
  private AgentErrors() {}

  public static <T> StatusReply<T> error(String code, String message) {
    return StatusReply.error(code + ": " + message);
  }

  /** The reason code of an error produced by {@link #error}, or {@code internal_error}. */
  public static String code(Throwable error) {
    String text = error.getMessage();
    if (text == null) return "internal_error";
    int i = text.indexOf(": ");
    return i > 0 && text.substring(0, i).matches("[a-z_:.]+") ? text.substring(0, i) : "internal_error";
  }

  /** The human part of an error produced by {@link #error}. */
  public static String message(Throwable error) {
    String text = error.getMessage();
    if (text == null) return "internal error";
    int i = text.indexOf(": ");
    return i > 0 ? text.substring(i + 2) : text;
  }

  @SuppressWarnings("unchecked")
  static <T> StatusReply<T> cast(StatusReply<?> error) {
    return (StatusReply<T>) error;
  }
}
