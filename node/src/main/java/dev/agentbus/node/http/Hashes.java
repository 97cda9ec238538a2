package dev.agentbus.node.http;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The constitutional hash outside messages: on request headers, on non-message bodies and on the
 * WebSocket query. Present and different is refused with the governance code
 * {@code constitutional_hash_mismatch} (422); absent is accepted. Message bodies go to the governance
 * pipeline instead, which also refuses an absent hash.
 */
final class Hashes {
  private Hashes() {}

  static final String MISMATCH = "constitutional_hash_mismatch";

  static boolean matches(String given) {
    // constant time, as the governance step does
    return given != null && MessageDigest.isEqual(
        given.getBytes(StandardCharsets.UTF_8), Responses.CONSTITUTIONAL_HASH.getBytes(StandardCharsets.UTF_8));
  }

  static void checkGiven(Optional<String> given, String where) {
    if (given.isPresent() && !matches(given.get().trim())) throw mismatch(where);
  }

  static ApiError mismatch(String where) {
    return ApiError.of(422, MISMATCH, "Constitutional hash in " + where + " does not match this bus",
        Map.of(where, List.of("must be the bus's constitutional hash")));
  }

  /** For bodies that are not messages: a wrong {@code constitutionalHash} field is refused. */
  static void checkBodyHash(Fields f) {
    Optional<JsonNode> given = f.node("constitutionalHash");
    if (given.isEmpty()) return;
    if (!given.get().isTextual()) {
      f.fail("constitutionalHash", "must be a string");
    } else if (!matches(given.get().textValue())) {
      throw mismatch("constitutionalHash");
    }
  }
}
