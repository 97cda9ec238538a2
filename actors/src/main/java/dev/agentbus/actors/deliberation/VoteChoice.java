package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** One voter's answer. Wire form is lower case ({@code approve}, {@code reject}, {@code abstain}). */
public enum VoteChoice {
  APPROVE,
  REJECT,
  ABSTAIN;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** By value or name, any case; empty when it names no choice. */
  public static Optional<VoteChoice> parse(String value) {
    if (value == null) return Optional.empty();
    try {
      return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @JsonCreator
  static VoteChoice fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown vote: " + value));
  }
}
