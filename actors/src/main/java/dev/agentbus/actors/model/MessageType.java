package dev.agentbus.actors.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** The SDK's five message types united with the original bus's eleven. Wire form is lower case. */
public enum MessageType {
  COMMAND,
  QUERY,
  RESPONSE,
  EVENT,
  ERROR,
  NOTIFICATION,
  HEARTBEAT,
  GOVERNANCE_REQUEST,
  GOVERNANCE_RESPONSE,
  CONSTITUTIONAL_VALIDATION,
  TASK_REQUEST,
  TASK_RESPONSE;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire string; empty when it names no type (the caller decides how to refuse it). */
  public static Optional<MessageType> parse(String value) {
    if (value == null) return Optional.empty();
    try {
      return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @JsonCreator
  static MessageType fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown message type: " + value));
  }
}
