package dev.agentbus.node.cli;

import picocli.CommandLine.Help.Visibility;
import picocli.CommandLine.Option;

/** Where the client subcommands find the HTTP API and how they authenticate. */
public final class ClientOptions {

  @Option(names = "--url", defaultValue = "${env:AGENTBUS_URL:-http://127.0.0.1:8080}",
      description = "Base URL of a node's HTTP API (default: $AGENTBUS_URL or ${DEFAULT-VALUE})")
  String url;

  // never shown in the help: it is a secret
  @Option(names = "--key", defaultValue = "${env:AGENTBUS_API_KEY}", showDefaultValue = Visibility.NEVER,
      description = "API key (default: $AGENTBUS_API_KEY)")
  String key;

  @Option(names = "--tenant", description = "X-Tenant-ID, for nodes running with API keys off")
  String tenant;

  @Option(names = "--timeout", defaultValue = "30",
      description = "Seconds to wait for an answer (default ${DEFAULT-VALUE})")
  int timeoutSeconds;

  @Option(names = "--json", description = "Print the answer's data as JSON instead of text")
  boolean json;
}
