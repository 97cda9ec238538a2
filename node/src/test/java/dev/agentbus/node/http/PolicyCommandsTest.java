package dev.agentbus.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.node.cli.PoliciesCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code agentbus policies} against a node with API keys on and one trusted signing key: keygen and sign
 * offline, upload, activate (refused unsigned or signed by the wrong key), dry-run, list, roll back, stats.
 */
class PolicyCommandsTest {

  @TempDir
  static Path dir;

  private static TestNode node;
  private static String apiKey;

  private record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    Run keygen = offline("keygen", "--private-key", dir.resolve("ops.pem").toString(), "--key-id", "ops-1");
    assertEquals(0, keygen.exit(), keygen::toString);
    assertTrue(keygen.out().startsWith("agentbus.policy.trusted-keys = [{ id = \"ops-1\", key = \""), keygen::toString);
    node = TestNode.withKeys(keygen.out());
    apiKey = BootstrapKey.ensure(node.system, Optional.empty(), dir).toCompletableFuture()
        .get(60, TimeUnit.SECONDS).orElseThrow();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Run offline(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = new CommandLine(new PoliciesCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
        .execute(args);
    return new Run(exit, out.toString().trim(), err.toString().trim());
  }

  private static Run online(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + node.port, "--key", apiKey));
    return offline(all.toArray(String[]::new));
  }

  private static Path bundle(String name, String version, String forbidden) throws IOException {
    Path file = dir.resolve(name + "-" + version + ".yaml");
    Files.writeString(file, """
        id: %s
        version: "%s"
        constitutionalHash: %s
        rules:
          - id: no-%s
            description: No %s commands
            expression: message.payload.?command.orValue('') == '%s'
            effect: deny
        """.formatted(name, version, TestNode.HASH, forbidden, forbidden, forbidden));
    return file;
  }

  private static String uploaded(Path file) {
    Run r = online("upload", file.toString());
    assertEquals(0, r.exit(), r::toString);
    String id = r.out().split(" ")[0];
    TestNode.assertUuid(id);
    return id;
  }

  private static void awaitActive(String id) {
    TestNode.awaitTrue(() -> node.bus.policies().active().policyId().equals(Optional.of(id)), id + " active");
  }

  @Test
  void signedBundlesActivateUnsignedOrWronglySignedOnesDoNotAndRollbackGoesBack() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ops.pem"))));

    // unsigned: uploaded as a draft, but a node with trusted keys refuses to activate it
    String unsigned = uploaded(bundle("ops", "1", "deploy"));
    Run refused = online("activate", unsigned);
    assertEquals(1, refused.exit(), refused::toString);
    assertTrue(refused.err().startsWith("HTTP 403 policy_signature_invalid"), refused::toString);

    // signed offline with the trusted key: activates
    Path signedFile = dir.resolve("ops-1.signed.yaml");
    Run sign = offline("sign", bundle("ops", "1", "deploy").toString(), "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--out", signedFile.toString());
    assertEquals(0, sign.exit(), sign::toString);
    ConstitutionBundle signed = ConstitutionBundle.parse(Files.readString(signedFile));
    assertEquals(1, signed.signatures().size());
    assertEquals("ops-1", signed.signatures().get(0).keyId());
    String first = uploaded(signedFile);
    Run activated = online("activate", first);
    assertEquals(0, activated.exit(), activated::toString);
    assertTrue(activated.out().contains("active"), activated::toString);
    awaitActive(first);

    // signed by another key under the trusted key's id: refused
    Run otherKey = offline("keygen", "--private-key", dir.resolve("other.pem").toString(), "--key-id", "ops-1");
    assertEquals(0, otherKey.exit(), otherKey::toString);
    Run forged = offline("sign", bundle("forged", "1", "nothing").toString(), "--key",
        dir.resolve("other.pem").toString(), "--key-id", "ops-1", "--out", dir.resolve("forged.yaml").toString());
    assertEquals(0, forged.exit(), forged::toString);
    Run forgedActivation = online("activate", uploaded(dir.resolve("forged.yaml")));
    assertTrue(forgedActivation.err().startsWith("HTTP 403 policy_signature_invalid"), forgedActivation::toString);

    // dry run of a message against the active policy
    Path message = dir.resolve("message.json");
    Files.writeString(message, TestNode.command("someone", "someone-else", "deploy").toString());
    Run dry = online("dry-run", first, "--message", message.toString());
    assertEquals(0, dry.exit(), dry::toString);
    assertTrue(dry.out().startsWith("denied policy_denied:no-deploy"), dry::toString);
    assertTrue(dry.out().contains("no-deploy") && dry.out().contains("matched"), dry::toString);

    // a second signed version, then roll back to the first
    Path second = dir.resolve("ops-2.signed.yaml");
    assertEquals(0, offline("sign", bundle("ops", "2", "drop").toString(), "--key", dir.resolve("ops.pem").toString(),
        "--key-id", "ops-1", "--out", second.toString()).exit());
    String secondId = uploaded(second);
    assertEquals(0, online("activate", secondId).exit());
    awaitActive(secondId);
    Run back = online("rollback");
    assertEquals(0, back.exit(), back::toString);
    assertTrue(back.out().startsWith(first) && back.out().contains("active"), back::toString);
    awaitActive(first);

    Run list = online("list", "--page-size", "100");
    assertEquals(0, list.exit(), list::toString);
    assertTrue(list.out().contains(first) && list.out().contains(secondId) && list.out().contains(unsigned),
        list::toString);

    Run stats = online("stats");
    assertEquals(0, stats.exit(), stats::toString);
    assertTrue(stats.out().startsWith("active " + first), stats::toString);
  }

  @Test
  void badFilesAndKeysExitWithAMessage() throws Exception {
    Path notABundle = dir.resolve("not-a-bundle.yaml");
    Files.writeString(notABundle, "just: text\n");
    Run bad = offline("sign", notABundle.toString(), "--key", dir.resolve("ops.pem").toString(), "--key-id", "x");
    assertEquals(1, bad.exit(), bad::toString);
    Run badKey = offline("sign", bundle("k", "1", "x").toString(), "--key", notABundle.toString(), "--key-id", "x");
    assertEquals(1, badKey.exit(), badKey::toString);
    assertTrue(badKey.err().contains("not an Ed25519 private key"), badKey::toString);
    Run again = offline("keygen", "--private-key", dir.resolve("ops.pem").toString(), "--key-id", "ops-1");
    assertEquals(1, again.exit(), again::toString);
    assertTrue(again.err().contains("not overwritten"), again::toString);
    Run missing = online("upload", dir.resolve("missing.yaml").toString());
    assertEquals(1, missing.exit(), missing::toString);
    Run rejected = online("upload", notABundle.toString());
    assertEquals(1, rejected.exit(), rejected::toString);
    assertTrue(rejected.err().startsWith("HTTP 422"), rejected::toString);
  }
}
