package dev.agentbus.actors.governance;

import static dev.agentbus.actors.governance.Fixtures.agent;
import static dev.agentbus.actors.governance.Fixtures.msg;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.agentbus.actors.model.AgentProfile;
import dev.agentbus.actors.model.MaciRole;
import dev.agentbus.actors.model.MessageType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class StructureStepTest {

  private final GovernancePipeline pipeline = Fixtures.pipeline();
  private final AgentProfile exec = agent("exec", MaciRole.EXECUTIVE);
  private final AgentProfile target = agent("target", MaciRole.EXECUTIVE);

  @Test
  void admitsWellFormedMessageFromPermittedSender() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").through(pipeline, exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
    assertEquals("", d.reasonCodes());
  }

  @Test
  void refusesMissingId() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").id(null).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.MISSING_MESSAGE_ID);
    assertEquals("Message ID is required", d.reasons().get(0).message());
  }

  @Test
  void refusesNilUuidAsEmptyId() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").id(new UUID(0, 0)).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.MISSING_MESSAGE_ID);
  }

  @Test
  void refusesMissingType() {
    Decision d = msg(null, "exec", "target").through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.UNKNOWN_MESSAGE_TYPE);
  }

  @Test
  void refusesNullContent() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload((JsonNode) null)
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.INVALID_PAYLOAD);
    assertEquals("Message content cannot be null", d.reasons().get(0).message());
  }

  @Test
  void refusesJsonNullContent() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload(NullNode.getInstance())
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.INVALID_PAYLOAD);
  }

  @Test
  void refusesStringContentBecauseATextNodeIsNotAnObject() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload(TextNode.valueOf("{\"action\":\"read\"}"))
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.INVALID_PAYLOAD);
    assertEquals("Message content must be a JSON object, got string", d.reasons().get(0).message());
  }

  @Test
  void refusesArrayContent() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload("[1,2]").through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.INVALID_PAYLOAD);
  }

  @Test
  void refusesContentOverTheDefaultLimit() {
    ObjectNode big = JsonNodeFactory.instance.objectNode();
    big.put("content", "x".repeat(70_000));
    Decision d = msg(MessageType.COMMAND, "exec", "target").payload(big).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.PAYLOAD_TOO_LARGE);
  }

  @Test
  void measuresTheSerializedUtf8SizeAgainstTheLimit() {
    String payload = "{\"content\":\"caf\u00e9\"}";
    int size = payload.getBytes(StandardCharsets.UTF_8).length;
    GovernancePipeline exact = Fixtures.pipeline(GovernanceSettings.defaults().withMaxPayloadBytes(size));
    GovernancePipeline oneLess = Fixtures.pipeline(GovernanceSettings.defaults().withMaxPayloadBytes(size - 1));

    assertEquals(Decision.Outcome.ALLOW,
        msg(MessageType.COMMAND, "exec", "target").payload(payload).through(exact, exec, target).outcome());
    assertDenied(msg(MessageType.COMMAND, "exec", "target").payload(payload).through(oneLess, exec, target),
        ReasonCodes.PAYLOAD_TOO_LARGE);
  }

  @Test
  void refusesExpiredMessage() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").expiresAt(Fixtures.NOON.minusSeconds(1))
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.MESSAGE_EXPIRED);
  }

  @Test
  void refusesMessageExpiringAtThisInstant() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").expiresAt(Fixtures.NOON).through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.MESSAGE_EXPIRED);
  }

  @Test
  void admitsMessageThatExpiresLater() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").expiresAt(Fixtures.NOON.plus(Duration.ofMinutes(5)))
        .through(pipeline, exec, target);
    assertEquals(Decision.Outcome.ALLOW, d.outcome());
  }

  @Test
  void refusesBlankSource() {
    Decision d = msg(MessageType.COMMAND, "  ", "target").through(pipeline, null, target);
    assertDenied(d, ReasonCodes.MISSING_SOURCE);
  }

  @Test
  void refusesMissingSource() {
    Decision d = msg(MessageType.COMMAND, null, "target").through(pipeline, null, target);
    assertDenied(d, ReasonCodes.MISSING_SOURCE);
  }

  @Test
  void checksStructureBeforeTheHash() {
    Decision d = msg(MessageType.COMMAND, "exec", "target").id(null).hash("wrong")
        .through(pipeline, exec, target);
    assertDenied(d, ReasonCodes.MISSING_MESSAGE_ID);
  }

  static void assertDenied(Decision d, String code) {
    assertEquals(Decision.Outcome.DENY, d.outcome(), () -> "expected a denial, got " + d);
    assertEquals(code, d.reasons().get(0).code(), () -> "reasons: " + d.reasons());
    assertEquals(code, d.annotations().get(ReasonCodes.REJECTION_REASON));
    assertEquals(0.0, d.impactScore());
  }

  /** What the structure step keeps for the policy step is exactly writeValueAsString's text, or nothing. */
  @Test
  void keptPayloadTextIsWriteValueAsStringOrNothing() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    StructureCheck check = new StructureCheck(64 * 1024);
    String[] contents = {"plain text", "tab\there \"quoted\" back\\slash", "control \u0001 char", "caf\u00e9",
        "emoji \ud83d\ude00", "lone \ud83d surrogate", "\u2028 line sep", "<script>&amp;"};
    int kept = 0;
    for (String content : contents) {
      ObjectNode payload = JsonNodeFactory.instance.objectNode().put("content", content).put("n", 1.5);
      payload.putObject("inner").put("x", content);
      var m = msg(MessageType.QUERY, "a", "b").payload(payload).build();
      StructureCheck.Result r = check.check(m, java.time.Instant.now());
      assertEquals(null, r.denial(), content);
      String text = r.reusableJson();
      if (text != null) {
        assertEquals(json.writeValueAsString(payload), text, content);
        kept++;
      }
    }
    assertEquals(true, kept >= 2, "the plain texts are kept");
  }
}
