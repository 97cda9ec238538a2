package dev.agentbus.node.http;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads client timestamps. TS sends {@code ...Z}, Python sends {@code ...+00:00} (contract 1.3), a naive
 * Python datetime has no zone at all, and example code sends plain dates; every form becomes an
 * {@link Instant}, which is always written back with {@code Z}.
 */
final class Timestamps {
  private Timestamps() {}

  static Optional<Instant> parse(String text) {
    if (text == null) return Optional.empty();
    String s = text.trim();
    if (s.isEmpty() || s.length() > 64) return Optional.empty();
    try {
      return Optional.of(OffsetDateTime.parse(s).toInstant());
    } catch (DateTimeParseException ignored) {
      // not an offset date-time; try the zone-less forms below
    }
    try {
      return Optional.of(LocalDateTime.parse(s).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException ignored) {
      // not a local date-time either
    }
    try {
      return Optional.of(LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException ignored) {
      return Optional.empty();
    }
  }
}
