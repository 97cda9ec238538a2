package dev.agentbus.node;

import dev.agentbus.node.cli.NodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code agentbus} command line: {@code node} starts a node. */
@Command(
    name = "agentbus",
    mixinStandardHelpOptions = true,
    version = "agentbus 0.1.0",
    description = "Agent Bus: a governed message bus for AI agents.",
    subcommands = {NodeCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) System.exit(code);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
