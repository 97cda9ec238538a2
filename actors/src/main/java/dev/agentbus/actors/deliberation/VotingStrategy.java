package dev.agentbus.actors.deliberation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/**
 * How votes decide (see {@link VotingRule} for the exact rules). Wire form is lower case with
 * underscores ({@code super_majority}); config also accepts dashes ({@code super-majority}).
 */
public enum VotingStrategy {
  QUORUM,
  SUPER_MAJORITY,
  UNANIMOUS;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<VotingStrategy> parse(String value) {
    if (value == null) return Optional.empty();
    try {
      return Optional.of(valueOf(value.trim().replace('-', '_').toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @JsonCreator
  static VotingStrategy fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown voting strategy: " + value));
  }
}
