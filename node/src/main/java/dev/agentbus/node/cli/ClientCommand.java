package dev.agentbus.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every client subcommand shares: the connection options, output, and exit code 1 on a refusal. */
abstract class ClientCommand implements Callable<Integer> {

  @Mixin
  ClientOptions client;

  @Spec
  CommandSpec spec;

  abstract void run(ApiClient api);

  @Override
  public Integer call() {
    try {
      run(new ApiClient(client));
      return 0;
    } catch (ApiClient.Failure e) {
      err().println(e.getMessage());
      err().flush();
      return 1;
    }
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** The data as JSON with --json, else the given text. */
  void print(JsonNode data, String text) {
    out().println(client.json ? ApiClient.text(data) : text);
    out().flush();
  }
}
