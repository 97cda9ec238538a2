package dev.agentbus.actors.governance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The payload's JSON text as the structure step wrote it, kept for the rest of the same synchronous
 * evaluation on the same thread, so a policy step's {@code message.payloadJson} need not serialize the
 * payload a second time. Internal to the pipeline; {@link #of} answers only for the very payload object
 * being evaluated, and only while the pipeline evaluates it (it forgets it when the evaluation returns).
 *
 * <p>Only texts that are plain ASCII without backslash-u escapes are kept: for those the structure step's
 * UTF-8 writer and a {@code writeValueAsString} give the same characters (they can differ in how they
 * write characters outside the BMP).
 */
public final class SerializedPayload {

  private SerializedPayload() {}

  private static final class Last {
    JsonNode payload;
    String json;
  }

  private static final ThreadLocal<Last> LAST = ThreadLocal.withInitial(Last::new);

  /** @param utf8Length the length in bytes of {@code json} in UTF-8 */
  static void remember(JsonNode payload, String json, int utf8Length) {
    Last last = LAST.get();
    boolean plain = utf8Length == json.length() && json.indexOf("\\u") < 0;
    last.payload = plain ? payload : null;
    last.json = plain ? json : null;
  }

  static void forget() {
    Last last = LAST.get();
    last.payload = null;
    last.json = null;
  }

  /**
   * The JSON text of {@code payload} ({@code new ObjectMapper().writeValueAsString(payload)}) when the
   * pipeline on this thread is evaluating a message with this very payload and kept its text, else null.
   */
  public static String of(JsonNode payload) {
    Last last = LAST.get();
    return payload != null && last.payload == payload ? last.json : null;
  }
}
