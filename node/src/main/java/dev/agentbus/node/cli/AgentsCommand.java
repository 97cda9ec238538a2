package dev.agentbus.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code agentbus agents register|list}: agents of the key's tenant, through the HTTP API. */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Register and list agents (HTTP API).",
    subcommands = {AgentsCommand.Register.class, AgentsCommand.ListAgents.class})
public final class AgentsCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "register", mixinStandardHelpOptions = true, description = "Register an agent; prints its id.")
  static final class Register extends ClientCommand {
    @Option(names = "--name", required = true, description = "Display name")
    String name;

    @Option(names = "--type", defaultValue = "worker", description = "Agent type (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--id", description = "Ask for this agent id (default: the server assigns a UUID)")
    String id;

    @Option(names = "--role", description = "MACI role: executive, legislative or judicial (default: the bus's)")
    String role;

    @Option(names = "--capability", description = "A capability (repeatable)")
    List<String> capabilities = new ArrayList<>();

    @Option(names = "--metadata", description = "key=value (repeatable)")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Override
    void run(ApiClient api) {
      ObjectNode body = ApiClient.JSON.createObjectNode().put("name", name).put("type", type)
          .put("constitutionalHash", ApiClient.HASH);
      if (id != null) body.put("agentId", id);
      var caps = body.putArray("capabilities");
      capabilities.forEach(caps::add);
      ObjectNode meta = body.putObject("metadata");
      metadata.forEach(meta::put);
      if (role != null) meta.put("maciRole", role);
      JsonNode agent = api.post("/api/v1/agents/register", body);
      print(agent, agent.path("id").asText());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the agents of your tenant.")
  static final class ListAgents extends ClientCommand {
    @Option(names = "--type", description = "Only agents of this type")
    String type;

    @Option(names = "--status", description = "active, inactive or suspended")
    String status;

    @Mixin
    PageOptions paging = new PageOptions();

    @Override
    void run(ApiClient api) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("type", type);
      q.put("status", status);
      paging.addTo(q);
      JsonNode pageData = api.get("/api/v1/agents" + ApiClient.query(q));
      StringBuilder text = new StringBuilder();
      for (JsonNode a : pageData.path("data")) {
        text.append(String.format("%-38s %-20s %-10s %-8s %s%n", a.path("id").asText(), a.path("name").asText(),
            a.path("type").asText(), a.path("status").asText(), a.path("maciRole").asText("")));
      }
      text.append(PageOptions.footer(pageData, "agent(s)"));
      print(pageData, text.toString());
    }
  }
}
