package dev.agentbus.actors.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The SDK's agent statuses. */
public enum AgentStatus {
  ACTIVE,
  INACTIVE,
  SUSPENDED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
