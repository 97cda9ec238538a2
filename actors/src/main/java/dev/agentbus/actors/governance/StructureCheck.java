package dev.agentbus.actors.governance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentbus.actors.model.AgentMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/** Step 1: structure and limits. Also serializes the payload once, for the size limit and the injection filter. */
final class StructureCheck {

  /** Either a denial or the payload's JSON text. */
  /**
   * @param reusableJson {@code payloadJson} when it is plain ASCII without backslash-u escapes: then the
   *     UTF-8 writer used here and {@code writeValueAsString} give the same characters (they can differ on
   *     characters outside the BMP), so later steps may use it as that text; else null
   */
  record Result(Reason denial, String payloadJson, String reusableJson) {
    static Result deny(String code, String message) {
      return new Result(new Reason(code, message), null, null);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UUID NIL = new UUID(0L, 0L);

  private final int maxPayloadBytes;

  StructureCheck(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  Result check(AgentMessage m, Instant now) {
    Reason missingId = missingId(m);
    if (missingId != null) return new Result(missingId, null, null);
    if (m.type() == null) {
      return Result.deny(ReasonCodes.UNKNOWN_MESSAGE_TYPE, "Message type is missing or unknown");
    }
    JsonNode payload = m.payload();
    if (payload == null || payload.isNull() || payload.isMissingNode()) {
      return Result.deny(ReasonCodes.INVALID_PAYLOAD, "Message content cannot be null");
    }
    if (!payload.isObject()) {
      // the original accepted strings and skipped scoring for them (W13)
      return Result.deny(ReasonCodes.INVALID_PAYLOAD,
          "Message content must be a JSON object, got " + payload.getNodeType().name().toLowerCase(Locale.ROOT));
    }
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(payload);
    } catch (JsonProcessingException e) {
      // e.g. nesting deeper than Jackson's limit; later steps walk the payload recursively
      return Result.deny(ReasonCodes.INVALID_PAYLOAD, "Message content cannot be serialized");
    }
    if (bytes.length > maxPayloadBytes) {
      return Result.deny(ReasonCodes.PAYLOAD_TOO_LARGE,
          "Message content is " + bytes.length + " bytes, over the limit of " + maxPayloadBytes + " bytes");
    }
    Reason expired = expired(m, now);
    if (expired != null) return new Result(expired, null, null);
    if (m.sourceAgentId() == null || m.sourceAgentId().isBlank()) {
      return Result.deny(ReasonCodes.MISSING_SOURCE, "Message source agent id is required");
    }
    String json = new String(bytes, StandardCharsets.UTF_8);
    boolean plain = bytes.length == json.length() && json.indexOf("\\u") < 0;
    return new Result(null, json, plain ? json : null);
  }

  /**
   * The first check, which depends on nothing but this message's id: also made on a decision-cache hit,
   * since the id is never part of the key. Null when the id is there.
   */
  static Reason missingId(AgentMessage m) {
    // the nil UUID is how an "empty" id arrives once parsed; it must never pass (W2)
    if (m.id() == null || NIL.equals(m.id())) {
      return new Reason(ReasonCodes.MISSING_MESSAGE_ID, "Message ID is required");
    }
    return null;
  }

  /** The check that depends on the time: also made on a decision-cache hit. Null when not expired. */
  static Reason expired(AgentMessage m, Instant now) {
    if (m.isExpiredAt(now)) return new Reason(ReasonCodes.MESSAGE_EXPIRED, "Message expired at " + m.expiresAt());
    return null;
  }
}
