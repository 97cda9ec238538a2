package dev.agentbus.actors.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleSignatureTest {

  private static final KeyPair RELEASE = generate();
  private static final KeyPair OTHER = generate();
  private static final ConstitutionBundle BUNDLE = ConstitutionBundle.defaultBundle();

  private static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, PublicKey> trusting(String keyId, KeyPair pair) {
    return Map.of(keyId, pair.getPublic());
  }

  @Test
  void aGoodSignatureVerifies() {
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "release", RELEASE.getPrivate());
    assertTrue(BundleVerifier.verify(signed, trusting("release", RELEASE)));
  }

  @Test
  void aBundleSignedWithTheWrongKeyIsRefused() {
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "release", OTHER.getPrivate());
    assertFalse(BundleVerifier.verify(signed, trusting("release", RELEASE)));
  }

  @Test
  void aBundleChangedAfterSigningIsRefused() {
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "release", RELEASE.getPrivate());
    List<PolicyRule> rules = signed.rules().stream()
        .map(r -> r.id().equals("compliance.prohibited-terms") ? r.withEnforcement(PolicyRule.Enforcement.WARN) : r)
        .toList();
    assertFalse(BundleVerifier.verify(signed.withRules(rules), trusting("release", RELEASE)));
  }

  @Test
  void unsignedBundlesAndUntrustedKeysAreRefused() {
    assertFalse(BundleVerifier.verify(BUNDLE, trusting("release", RELEASE)));
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "someone", OTHER.getPrivate());
    assertFalse(BundleVerifier.verify(signed, trusting("release", RELEASE)));
    assertFalse(BundleVerifier.verify(signed, Map.of()));
  }

  @Test
  void oneTrustedSignatureAmongOthersIsEnough() {
    ConstitutionBundle signed = BundleSigner.sign(BundleSigner.sign(BUNDLE, "someone", OTHER.getPrivate()),
        "release", RELEASE.getPrivate())
        .withSignature(new ConstitutionBundle.Signature("garbage", "Ed25519", "not base64!"));
    Map<String, PublicKey> trusted = Map.of("release", RELEASE.getPublic(), "garbage", RELEASE.getPublic(),
        "someone", RELEASE.getPublic());
    assertEquals(List.of("release"), BundleVerifier.verifiedBy(signed, trusted));
  }

  @Test
  void aSignatureOfAnotherAlgorithmNeverCounts() {
    ConstitutionBundle.Signature good = BundleSigner.sign(BUNDLE, "release", RELEASE.getPrivate()).signatures().get(0);
    ConstitutionBundle relabelled =
        BUNDLE.withSignature(new ConstitutionBundle.Signature("release", "RSA", good.signature()));
    assertFalse(BundleVerifier.verify(relabelled, trusting("release", RELEASE)));
  }

  @Test
  void signaturesSurviveTheYamlAndJsonForms() {
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "release", RELEASE.getPrivate());
    assertTrue(BundleVerifier.verify(ConstitutionBundle.parse(signed.toYaml()), trusting("release", RELEASE)));
    assertTrue(BundleVerifier.verify(ConstitutionBundle.parse(signed.toJson()), trusting("release", RELEASE)));
  }

  @Test
  void publicKeysReadFromX509OrRawBase64() {
    byte[] x509 = RELEASE.getPublic().getEncoded();
    byte[] raw = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    ConstitutionBundle signed = BundleSigner.sign(BUNDLE, "release", RELEASE.getPrivate());
    for (byte[] form : List.of(x509, raw)) {
      PublicKey key = BundleVerifier.publicKey(Base64.getEncoder().encodeToString(form));
      assertTrue(BundleVerifier.verify(signed, Map.of("release", key)));
    }
  }

  @Test
  void theSignedBytesAreTheDomainPrefixAndTheDigest() {
    assertEquals("agentbus.constitution-bundle.v1:" + BUNDLE.digest(),
        new String(BundleSigner.signedBytes(BUNDLE.digest()), java.nio.charset.StandardCharsets.UTF_8));
  }
}
