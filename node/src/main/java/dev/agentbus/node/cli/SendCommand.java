package dev.agentbus.node.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code agentbus send}: one message through governance, from the sender's path; prints the outcome. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send a message from one agent to another (or broadcast without --to).")
public final class SendCommand extends ClientCommand {

  @Option(names = "--from", required = true, description = "Sending agent id")
  String from;

  @Option(names = "--to", description = "Receiving agent id (absent: broadcast to the tenant)")
  String to;

  @Option(names = "--type", defaultValue = "command", description = "Message type (default ${DEFAULT-VALUE})")
  String type;

  @Option(names = "--priority", defaultValue = "normal", description = "critical, high, normal or low")
  String priority;

  @Option(names = "--payload", required = true, description = "A JSON object, or text (sent as {\"text\": ...})")
  String payload;

  @Option(names = "--hash", defaultValue = ApiClient.HASH,
      description = "The constitutional hash to send (a wrong one shows a denial)")
  String hash;

  @Option(names = "--idempotency-key", description = "Sending the same key again delivers once")
  String idempotencyKey;

  @Option(names = "--correlation-id", description = "A UUID tying this message to another")
  String correlationId;

  @Option(names = "--metadata", description = "key=value (repeatable)")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Override
  void run(ApiClient api) {
    ObjectNode body = ApiClient.JSON.createObjectNode().put("type", type).put("priority", priority)
        .put("sourceAgentId", from).put("timestamp", Instant.now().toString()).put("constitutionalHash", hash);
    if (to != null) body.put("targetAgentId", to);
    body.set("payload", payload());
    if (idempotencyKey != null) body.put("idempotencyKey", idempotencyKey);
    if (correlationId != null) body.put("correlationId", correlationId);
    if (!metadata.isEmpty()) {
      ObjectNode meta = body.putObject("metadata");
      metadata.forEach(meta::put);
    }
    JsonNode message = api.post("/api/v1/agents/" + ApiClient.segment(from) + "/messages", body);
    JsonNode m = message.path("metadata");
    String reasons = m.has("governance.reasons") ? " reasons=" + m.path("governance.reasons").asText() : "";
    print(message, message.path("id").asText() + " " + m.path("governance.status").asText("accepted")
        + " impact=" + m.path("governance.impactScore").asText("?") + reasons);
  }

  private JsonNode payload() {
    String text = payload.trim();
    if (text.startsWith("{")) {
      try {
        return ApiClient.JSON.readTree(text);
      } catch (JsonProcessingException e) {
        throw new ParameterException(spec.commandLine(), "--payload is not valid JSON: " + e.getOriginalMessage());
      }
    }
    return ApiClient.JSON.createObjectNode().put("text", payload);
  }
}
