package dev.agentbus.actors.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** Message priority; a higher ordinal is more urgent. {@code medium} is accepted as {@code normal}. */
public enum Priority {
  LOW,
  NORMAL,
  HIGH,
  CRITICAL;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Priority> parse(String value) {
    if (value == null) return Optional.empty();
    String v = value.trim().toUpperCase(Locale.ROOT);
    if (v.equals("MEDIUM")) return Optional.of(NORMAL);
    try {
      return Optional.of(valueOf(v));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @JsonCreator
  static Priority fromJson(String value) {
    return parse(value).orElseThrow(() -> new IllegalArgumentException("unknown priority: " + value));
  }
}
