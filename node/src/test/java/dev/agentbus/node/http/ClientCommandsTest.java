package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.node.cli.AgentsCommand;
import dev.agentbus.node.cli.InboxCommand;
import dev.agentbus.node.cli.SendCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The operator subcommands (agents register/list, send, inbox) against a node with API keys on. */
class ClientCommandsTest {

  @TempDir
  static Path dataDir;

  private static TestNode node;
  private static String key;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.withKeys("");
    key = BootstrapKey.ensure(node.system, Optional.empty(), dataDir).toCompletableFuture()
        .get(60, TimeUnit.SECONDS).orElseThrow();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + node.port));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString().trim(), err.toString().trim());
  }

  private static String register(String name) {
    Run r = run(new AgentsCommand(), "register", "--key", key, "--name", name, "--capability", "test");
    assertEquals(0, r.exit(), r::toString);
    String id = r.out();
    TestNode.assertUuid(id);
    TestNode.awaitTrue(() -> node.bus.directory().find(id).isPresent(), "agent " + id + " in the directory");
    return id;
  }

  @Test
  void registersListsSendsAndReadsAnInbox() {
    String alice = register("alice");
    String bob = register("bob");

    Run list = run(new AgentsCommand(), "list", "--key", key, "--page-size", "500");
    assertEquals(0, list.exit(), list::toString);
    assertTrue(list.out().contains(alice) && list.out().contains(bob), list::toString);

    Run sent = run(new SendCommand(), "--key", key, "--from", alice, "--to", bob, "--type", "query",
        "--payload", "{\"query\":\"status\"}");
    assertEquals(0, sent.exit(), sent::toString);
    assertTrue(sent.out().contains(" accepted impact="), sent::toString);
    String messageId = sent.out().split(" ")[0];

    Run inbox = run(new InboxCommand(), bob, "--key", key, "--ack");
    assertEquals(0, inbox.exit(), inbox::toString);
    assertTrue(inbox.out().contains(messageId) && inbox.out().contains("acknowledged"), inbox::toString);

    Run unread = run(new InboxCommand(), bob, "--key", key, "--unread", "--json");
    assertEquals(0, unread.exit(), unread::toString);
    assertEquals(0, TestNode.parseOrNull(unread.out()).get("total").asInt(), unread::toString);
  }

  @Test
  void aDenialExitsWithItsReasonCode() {
    String alice = register("alice");
    String bob = register("bob");

    Run denied = run(new SendCommand(), "--key", key, "--from", alice, "--to", bob, "--payload", "hello",
        "--hash", "0000000000000000");

    assertEquals(1, denied.exit(), denied::toString);
    assertTrue(denied.err().startsWith("HTTP 422 constitutional_hash_mismatch"), denied::toString);
  }

  @Test
  void withoutAKeyTheServerRefuses() {
    Run r = run(new AgentsCommand(), "list");

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().startsWith("HTTP 401 authentication_required"), r::toString);
  }
}
