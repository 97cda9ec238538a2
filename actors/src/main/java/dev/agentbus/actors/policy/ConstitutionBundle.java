package dev.agentbus.actors.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A versioned constitution: the constitutional hash, the policy rules and the settings sections that a
 * registry applies with it. Read from YAML or JSON; unknown fields and duplicate keys are refused, so a
 * typo never silently drops a rule or its enforcement.
 *
 * <p>The sections ({@code maci}, {@code impact}, {@code limits}, {@code deliberation}) are kept as
 * JSON-like maps, empty when absent; they are part of the digest, and their meaning belongs to whoever
 * applies the bundle to the pipeline settings.
 *
 * @param signatures Ed25519 signatures over {@link #digest()}; not part of the digest themselves
 */
public record ConstitutionBundle(
    String id,
    String version,
    String constitutionalHash,
    List<PolicyRule> rules,
    Map<String, Object> maci,
    Map<String, Object> impact,
    Map<String, Object> limits,
    Map<String, Object> deliberation,
    List<Signature> signatures) {

  /** The bundle shipped with the node: the original's Rego policies as CEL rules. */
  public static final String DEFAULT_RESOURCE = "/bundles/default-constitution.yaml";

  public ConstitutionBundle {
    requireText(id, "id");
    requireText(version, "version");
    requireText(constitutionalHash, "constitutionalHash");
    rules = rules == null ? List.of() : List.copyOf(rules);
    Set<String> ids = new HashSet<>();
    for (PolicyRule r : rules) {
      if (!ids.add(r.id())) throw new InvalidBundleException("duplicate rule id '" + r.id() + "'");
    }
    maci = BundleCodec.freeze(maci);
    impact = BundleCodec.freeze(impact);
    limits = BundleCodec.freeze(limits);
    deliberation = BundleCodec.freeze(deliberation);
    signatures = signatures == null ? List.of() : List.copyOf(signatures);
  }

  /** A bundle with rules only. */
  public static ConstitutionBundle of(String id, String version, String constitutionalHash, List<PolicyRule> rules) {
    return new ConstitutionBundle(id, version, constitutionalHash, rules, null, null, null, null, null);
  }

  /** Parses YAML or JSON. */
  public static ConstitutionBundle parse(String text) {
    return BundleCodec.parse(text);
  }

  public static ConstitutionBundle defaultBundle() {
    try (InputStream in = ConstitutionBundle.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String toJson() {
    return BundleCodec.toJson(this);
  }

  public String toYaml() {
    return BundleCodec.toYaml(this);
  }

  /** Compact JSON with sorted keys, signatures left out: what {@link #digest()} hashes. */
  public String canonicalJson() {
    return BundleCodec.canonical(this);
  }

  /** SHA-256 of {@link #canonicalJson()}, lower-case hex. The same for the YAML and the JSON of a bundle. */
  public String digest() {
    return BundleCodec.sha256Hex(canonicalJson());
  }

  public ConstitutionBundle withRules(List<PolicyRule> newRules) {
    return new ConstitutionBundle(id, version, constitutionalHash, newRules, maci, impact, limits, deliberation,
        signatures);
  }

  public ConstitutionBundle withVersion(String newVersion) {
    return new ConstitutionBundle(id, newVersion, constitutionalHash, rules, maci, impact, limits, deliberation,
        signatures);
  }

  /** Adds a signature, replacing an earlier one by the same key. */
  public ConstitutionBundle withSignature(Signature s) {
    List<Signature> all = new ArrayList<>();
    for (Signature old : signatures) {
      if (!old.keyId().equals(s.keyId())) all.add(old);
    }
    all.add(s);
    return new ConstitutionBundle(id, version, constitutionalHash, rules, maci, impact, limits, deliberation, all);
  }

  public ConstitutionBundle withoutSignatures() {
    return new ConstitutionBundle(id, version, constitutionalHash, rules, maci, impact, limits, deliberation, null);
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) throw new InvalidBundleException("bundle " + field + " is required");
  }

  /**
   * @param algorithm only {@code Ed25519} is verified; other algorithms are kept but never trusted
   * @param signature base64 of the signature over {@link BundleSigner#signedBytes(String)}
   */
  public record Signature(String keyId, String algorithm, String signature) {
    public static final String ED25519 = "Ed25519";

    public Signature {
      if (keyId == null || keyId.isBlank()) throw new InvalidBundleException("signature keyId is required");
      if (signature == null || signature.isBlank()) {
        throw new InvalidBundleException("signature of key '" + keyId + "' is empty");
      }
      algorithm = algorithm == null || algorithm.isBlank() ? ED25519 : algorithm;
    }
  }
}
