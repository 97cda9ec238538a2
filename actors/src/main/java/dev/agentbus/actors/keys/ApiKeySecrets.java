package dev.agentbus.actors.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Generates keys and hashes them for storage. A plain SHA-256 (no salt, no slow KDF) is enough because
 * a generated key carries 256 random bits: there is no dictionary to try and nothing to brute-force, and
 * a slow password hash would cost milliseconds on every request. Keys given by an operator must be long
 * for the same reason (see {@code agentbus.keys.min-given-key-length}).
 */
public final class ApiKeySecrets {
  private ApiKeySecrets() {}

  /** Recognisable in logs and secret scanners. */
  public static final String PREFIX = "abk_";
  private static final int RANDOM_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  public static String generate() {
    byte[] bytes = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Lower-case hex SHA-256 of the key's UTF-8 bytes. */
  public static String hash(String key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from the JDK", e);
    }
  }
}
