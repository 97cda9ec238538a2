package dev.agentbus.actors.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** MACI roles: the executive proposes, the legislative extracts and synthesizes rules, the judicial validates. */
public enum MaciRole {
  EXECUTIVE,
  LEGISLATIVE,
  JUDICIAL;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** By value or name, any case; empty when it names no role. */
  public static Optional<MaciRole> parse(String value) {
    if (value == null) return Optional.empty();
    try {
      return Optional.of(valueOf(value.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @JsonCreator
  static MaciRole fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown MACI role: " + value));
  }
}
