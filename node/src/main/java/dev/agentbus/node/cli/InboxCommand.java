package dev.agentbus.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code agentbus inbox <agent>}: the messages delivered to an agent, optionally acknowledging them. */
@Command(name = "inbox", mixinStandardHelpOptions = true, description = "Read an agent's inbox.")
public final class InboxCommand extends ClientCommand {

  @Parameters(index = "0", description = "Agent id")
  String agent;

  @Option(names = "--unread", description = "Only messages not yet acknowledged")
  boolean unread;

  @Option(names = "--type", description = "Only messages of this type")
  String type;

  @Option(names = "--since", description = "Only messages at or after this ISO-8601 time")
  String since;

  @Mixin
  PageOptions paging = new PageOptions();

  @Option(names = "--ack", description = "Acknowledge every unacknowledged message shown")
  boolean ack;

  @Override
  void run(ApiClient api) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("unreadOnly", unread ? "true" : null);
    q.put("type", type);
    q.put("since", since);
    paging.addTo(q);
    String path = "/api/v1/agents/" + ApiClient.segment(agent) + "/messages";
    JsonNode pageData = api.get(path + ApiClient.query(q));
    StringBuilder text = new StringBuilder();
    for (JsonNode m : pageData.path("data")) {
      String status = m.path("status").asText();
      if (ack && status.equals("delivered")) {
        status = api.post(path + "/" + ApiClient.segment(m.path("id").asText()) + "/ack", null).path("status").asText();
      }
      text.append(String.format("%s %-12s from %-38s %-8s %s %s%n", m.path("timestamp").asText(), status,
          m.path("sourceAgentId").asText(), m.path("type").asText(), m.path("id").asText(),
          ApiClient.compact(m.path("payload"))));
    }
    text.append(PageOptions.footer(pageData, "message(s)"));
    print(pageData, text.toString());
  }
}
