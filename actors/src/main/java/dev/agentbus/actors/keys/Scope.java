package dev.agentbus.actors.keys;

import java.util.Locale;
import java.util.Optional;

/**
 * What a key may do. {@code agent} and {@code operator} may use the agent endpoints of their own tenant
 * (operator marks keys held by people and tools rather than agents); {@code admin} may manage keys and
 * tenants of every tenant.
 */
public enum Scope {
  AGENT,
  OPERATOR,
  ADMIN;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Scope> parse(String text) {
    if (text == null) return Optional.empty();
    for (Scope s : values()) {
      if (s.wire().equals(text.trim().toLowerCase(Locale.ROOT))) return Optional.of(s);
    }
    return Optional.empty();
  }
}
