package dev.agentbus.node;

import dev.agentbus.node.bench.BenchCommand;
import dev.agentbus.node.cli.AgentsCommand;
import dev.agentbus.node.cli.InboxCommand;
import dev.agentbus.node.cli.NodeCommand;
import dev.agentbus.node.cli.PoliciesCommand;
import dev.agentbus.node.cli.SendCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code agentbus} command line: {@code node} starts a node; {@code agents}, {@code send},
 * {@code inbox} and {@code policies} are operator commands over a node's HTTP API; {@code bench} runs the
 * benchmark harness.
 */
@Command(
    name = "agentbus",
    mixinStandardHelpOptions = true,
    version = "agentbus 0.1.0",
    description = "Agent Bus: a governed message bus for AI agents.",
    subcommands = {NodeCommand.class, AgentsCommand.class, SendCommand.class, InboxCommand.class, PoliciesCommand.class,
        BenchCommand.class})
public final class Main implements Runnable {

  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) {
    // Continuations of Pekko and pekko-http futures run on the JDK's default async pool, which below a
    // parallelism of 2 (any machine with fewer than 3 cores) starts a new thread for every task. Set
    // before anything initialises the common pool; an explicit -D wins.
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) System.exit(code);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
