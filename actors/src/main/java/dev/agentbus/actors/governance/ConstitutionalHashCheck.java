package dev.agentbus.actors.governance;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Step 2: the message's constitutional hash must equal the configured one. Compared in constant time;
 * reasons never print the expected hash and at most 8 characters of the provided one.
 */
final class ConstitutionalHashCheck {

  static final int SHOWN_CHARS = 8;

  private final byte[] expected;

  ConstitutionalHashCheck(String expectedHash) {
    this.expected = expectedHash.getBytes(StandardCharsets.UTF_8);
  }

  Optional<Reason> check(String provided) {
    if (provided == null || provided.isBlank()) {
      return Optional.of(new Reason(ReasonCodes.CONSTITUTIONAL_HASH_MISSING, "Constitutional hash is required"));
    }
    if (MessageDigest.isEqual(provided.getBytes(StandardCharsets.UTF_8), expected)) return Optional.empty();
    return Optional.of(new Reason(ReasonCodes.CONSTITUTIONAL_HASH_MISMATCH,
        "Constitutional hash mismatch (provided: " + preview(provided) + ")"));
  }

  /** The first 8 characters, with anything but letters and digits masked (the value is attacker-chosen). */
  static String preview(String value) {
    StringBuilder sb = new StringBuilder(SHOWN_CHARS + 3);
    int n = Math.min(SHOWN_CHARS, value.length());
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      sb.append((c < 128 && Character.isLetterOrDigit(c)) ? c : '?');
    }
    return sb.append("...").toString();
  }
}
