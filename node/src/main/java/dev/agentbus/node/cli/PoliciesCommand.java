package dev.agentbus.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentbus.actors.policy.BundleSigner;
import dev.agentbus.actors.policy.ConstitutionBundle;
import dev.agentbus.actors.policy.InvalidBundleException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code agentbus policies ...}: constitution bundles. {@code upload}, {@code list}, {@code activate},
 * {@code rollback}, {@code dry-run} and {@code stats} talk to a node's HTTP API ({@code /api/v1/policies});
 * {@code keygen} and {@code sign} work offline, so a signing key never has to reach a node.
 */
@Command(name = "policies", mixinStandardHelpOptions = true,
    description = "Constitution bundles: upload, sign, activate, roll back, dry-run, list (docs/policies.md).",
    subcommands = {PoliciesCommand.Upload.class, PoliciesCommand.Sign.class, PoliciesCommand.Keygen.class,
        PoliciesCommand.Activate.class, PoliciesCommand.RollBack.class, PoliciesCommand.DryRun.class,
        PoliciesCommand.ListPolicies.class, PoliciesCommand.Stats.class})
public final class PoliciesCommand implements Runnable {

  private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String PEM_END = "-----END PRIVATE KEY-----";

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ApiClient.Failure("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static String line(JsonNode p) {
    return String.format("%-38s %-24s v%-4s %-15s %s", p.path("id").asText(), p.path("name").asText(),
        p.path("version").asText(), p.path("status").asText(), shortDigest(p.path("digest").asText("")));
  }

  private static String shortDigest(String digest) {
    return digest.length() > 12 ? digest.substring(0, 12) : digest;
  }

  @Command(name = "upload", mixinStandardHelpOptions = true,
      description = "Upload a bundle file (YAML or JSON, signed or not) as a new draft policy; prints its id.")
  static final class Upload extends ClientCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle document")
    Path file;

    @Option(names = "--name", description = "Policy name (default: the bundle's id)")
    String name;

    @Option(names = "--description", description = "Policy description")
    String description;

    @Option(names = "--tag", description = "A tag (repeatable)")
    List<String> tags = new ArrayList<>();

    @Override
    void run(ApiClient api) {
      ObjectNode body = ApiClient.JSON.createObjectNode().put("bundle", read(file))
          .put("constitutionalHash", ApiClient.HASH);
      if (name != null) body.put("name", name);
      if (description != null) body.put("description", description);
      if (!tags.isEmpty()) tags.forEach(body.putArray("tags")::add);
      JsonNode p = api.post("/api/v1/policies", body);
      print(p, p.path("id").asText() + " " + p.path("status").asText() + " digest=" + p.path("digest").asText()
          + (p.path("signedBy").isArray() && !p.path("signedBy").isEmpty() ? " signedBy=" + p.path("signedBy") : ""));
    }
  }

  @Command(name = "activate", mixinStandardHelpOptions = true,
      description = "Make a policy the active bundle on every node (the previous one becomes deprecated).")
  static final class Activate extends ClientCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Policy id")
    String id;

    @Override
    void run(ApiClient api) {
      JsonNode p = api.put("/api/v1/policies/" + ApiClient.segment(id) + "/activate",
          ApiClient.JSON.createObjectNode().put("constitutionalHash", ApiClient.HASH));
      print(p, line(p));
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Go back to the last known good bundle; prints the policy that is active again.")
  static final class RollBack extends ClientCommand {
    @Override
    void run(ApiClient api) {
      JsonNode p = api.post("/api/v1/policies/rollback",
          ApiClient.JSON.createObjectNode().put("constitutionalHash", ApiClient.HASH));
      print(p, line(p));
    }
  }

  @Command(name = "dry-run", mixinStandardHelpOptions = true,
      description = "Evaluate a message (a send body, JSON) against a policy, active or not; counts nothing. "
          + "Prints allowed or denied and every rule's verdict; exits 0 either way.")
  static final class DryRun extends ClientCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Policy id")
    String id;

    @Option(names = "--message", required = true, paramLabel = "FILE",
        description = "The message as JSON: {type, sourceAgentId, targetAgentId, payload, ...}")
    Path message;

    @Override
    void run(ApiClient api) {
      JsonNode m;
      try {
        m = ApiClient.JSON.readTree(read(message));
      } catch (IOException e) {
        throw new ApiClient.Failure(message + " is not JSON: " + e.getMessage());
      }
      if (m == null || !m.isObject()) throw new ApiClient.Failure(message + " must hold a JSON object");
      ObjectNode body = ApiClient.JSON.createObjectNode().put("constitutionalHash", ApiClient.HASH);
      body.set("message", m);
      JsonNode r = api.post("/api/v1/policies/" + ApiClient.segment(id) + "/verify", body);
      StringBuilder text = new StringBuilder(r.path("allowed").asBoolean() ? "allowed"
          : "denied " + r.path("reason").asText() + ": " + r.path("message").asText());
      if (r.path("requiresDeliberation").asBoolean()) text.append(" (would be held for deliberation)");
      for (JsonNode v : r.path("verdicts")) {
        text.append(String.format("%n  %-40s %-12s %s", v.path("ruleId").asText(), v.path("result").asText(),
            v.path("outcome").asText()));
      }
      print(r, text.toString());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registry's policies.")
  static final class ListPolicies extends ClientCommand {
    @Option(names = "--status", description = "draft, pending_review, approved, active, deprecated or archived")
    String status;

    @Mixin
    PageOptions paging = new PageOptions();

    @Override
    void run(ApiClient api) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("status", status);
      paging.addTo(q);
      JsonNode pageData = api.get("/api/v1/policies" + ApiClient.query(q));
      StringBuilder text = new StringBuilder();
      for (JsonNode p : pageData.path("data")) text.append(line(p)).append(System.lineSeparator());
      text.append(PageOptions.footer(pageData, "policy(ies)"));
      print(pageData, text.toString());
    }
  }

  @Command(name = "stats", mixinStandardHelpOptions = true,
      description = "This node's active bundle, decision cache hits, misses and evictions, and the OPA breaker.")
  static final class Stats extends ClientCommand {
    @Override
    void run(ApiClient api) {
      JsonNode s = api.get("/api/v1/policies/stats");
      JsonNode c = s.path("decisionCache");
      JsonNode o = s.path("opa");
      print(s, String.format("active %s (digest %s)%ncache hits=%d misses=%d evictions=%d size=%d%nopa %s",
          s.path("activePolicyId").asText("none"), shortDigest(s.path("bundleDigest").asText("-")),
          c.path("hits").asLong(), c.path("misses").asLong(), c.path("evictions").asLong(), c.path("size").asLong(),
          o.path("enabled").asBoolean() ? "breaker=" + o.path("breaker").asText() + " allowed="
              + o.path("allowed").asLong() + " denied=" + o.path("denied").asLong() + " unavailable="
              + o.path("unavailable").asLong() : "off"));
    }
  }

  /** What the offline commands share: output, and exit code 1 with a message on a problem. */
  abstract static class Offline implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    abstract void run();

    @Override
    public Integer call() {
      try {
        run();
        return 0;
      } catch (ApiClient.Failure e) {
        spec.commandLine().getErr().println(e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }
  }

  @Command(name = "sign", mixinStandardHelpOptions = true,
      description = "Sign a bundle file offline with an Ed25519 private key; writes the signed bundle "
          + "(same format, YAML or JSON) to --out, or to standard output.")
  static final class Sign extends Offline {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle document")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "PRIVATEKEY_FILE",
        description = "Ed25519 private key: PKCS#8 PEM (agentbus policies keygen, openssl genpkey -algorithm ed25519)")
    Path keyFile;

    @Option(names = "--key-id", required = true, description = "The key's id, as in agentbus.policy.trusted-keys")
    String keyId;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the signed bundle")
    Path out;

    @Override
    void run() {
      String text = read(file);
      ConstitutionBundle bundle;
      try {
        bundle = ConstitutionBundle.parse(text);
      } catch (InvalidBundleException e) {
        throw new ApiClient.Failure(file + ": " + e.getMessage());
      }
      ConstitutionBundle signed;
      try {
        signed = BundleSigner.sign(bundle, keyId, privateKey(keyFile));
      } catch (IllegalArgumentException e) {
        throw new ApiClient.Failure("cannot sign: " + e.getMessage());
      }
      String result = text.stripLeading().startsWith("{") ? signed.toJson() + System.lineSeparator() : signed.toYaml();
      if (out == null) {
        out().print(result);
        out().flush();
        return;
      }
      try {
        Files.writeString(out, result, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ApiClient.Failure("cannot write " + out + ": " + e.getMessage());
      }
      out().println("signed " + signed.digest() + " with key '" + keyId + "' -> " + out);
      out().flush();
    }

    static PrivateKey privateKey(Path file) {
      String pem = read(file).trim();
      String body = pem.replace(PEM_BEGIN, "").replace(PEM_END, "").replaceAll("\\s", "");
      try {
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(
            Base64.getDecoder().decode(body)));
      } catch (IllegalArgumentException | GeneralSecurityException e) {
        throw new ApiClient.Failure(file + " is not an Ed25519 private key in PKCS#8 PEM: " + e.getMessage());
      }
    }
  }

  @Command(name = "keygen", mixinStandardHelpOptions = true,
      description = "Make an Ed25519 key pair: writes the private key (PKCS#8 PEM, owner-only) to --private-key "
          + "and prints the trusted-keys entry with the public key for the nodes' configuration.")
  static final class Keygen extends Offline {
    @Option(names = "--private-key", required = true, paramLabel = "FILE",
        description = "Where to write the private key; never overwritten")
    Path privateKey;

    @Option(names = "--key-id", required = true, description = "The key's id, for agentbus.policy.trusted-keys")
    String keyId;

    @Override
    void run() {
      KeyPair pair;
      try {
        pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      } catch (GeneralSecurityException e) {
        throw new ApiClient.Failure("this JDK cannot make Ed25519 keys: " + e.getMessage());
      }
      String pem = PEM_BEGIN + System.lineSeparator()
          + Base64.getMimeEncoder(64, System.lineSeparator().getBytes(StandardCharsets.US_ASCII))
              .encodeToString(pair.getPrivate().getEncoded())
          + System.lineSeparator() + PEM_END + System.lineSeparator();
      try {
        Files.writeString(privateKey, pem, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);
        ownerOnly(privateKey);
      } catch (FileAlreadyExistsException e) {
        throw new ApiClient.Failure(privateKey + " exists; not overwritten");
      } catch (IOException e) {
        throw new ApiClient.Failure("cannot write " + privateKey + ": " + e.getMessage());
      }
      String publicKey = Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
      out().println("agentbus.policy.trusted-keys = [{ id = \"" + keyId + "\", key = \"" + publicKey + "\" }]");
      out().flush();
    }

    private static void ownerOnly(Path file) throws IOException {
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the default permissions stay
      }
    }
  }
}
