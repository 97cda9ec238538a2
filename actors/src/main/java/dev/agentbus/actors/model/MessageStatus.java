package dev.agentbus.actors.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a message stands. Wire form is lower case ({@code pending_deliberation}). */
public enum MessageStatus {
  ACCEPTED,
  DELIVERED,
  ACKNOWLEDGED,
  PENDING_DELIBERATION,
  REJECTED,
  EXPIRED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
