package dev.agentbus.actors.policy;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Checks a bundle's Ed25519 signatures against trusted keys. A bundle is trusted when at least one
 * signature by a trusted key id verifies over its digest. Signatures by unknown keys, of other
 * algorithms, or that do not decode are ignored rather than thrown: they simply do not count.
 */
public final class BundleVerifier {
  private BundleVerifier() {}

  // the fixed X.509 SubjectPublicKeyInfo header of an Ed25519 key; a raw key is the 32 bytes after it
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  public static boolean verify(ConstitutionBundle bundle, Map<String, PublicKey> trusted) {
    return !verifiedBy(bundle, trusted).isEmpty();
  }

  /** The trusted key ids whose signatures verify, in the bundle's order. */
  public static List<String> verifiedBy(ConstitutionBundle bundle, Map<String, PublicKey> trusted) {
    List<String> ok = new ArrayList<>();
    if (trusted == null || trusted.isEmpty()) return ok;
    byte[] message = BundleSigner.signedBytes(bundle.digest());
    for (ConstitutionBundle.Signature s : bundle.signatures()) {
      PublicKey key = trusted.get(s.keyId());
      if (key != null && ConstitutionBundle.Signature.ED25519.equalsIgnoreCase(s.algorithm())
          && verifies(key, message, s.signature())) {
        ok.add(s.keyId());
      }
    }
    return ok;
  }

  /** Reads an Ed25519 public key from base64: X.509 (as {@code PublicKey.getEncoded()}) or the raw 32 bytes. */
  public static PublicKey publicKey(String base64) {
    try {
      byte[] bytes = Base64.getDecoder().decode(base64.trim());
      if (bytes.length == 32) {
        byte[] der = new byte[X509_PREFIX.length + 32];
        System.arraycopy(X509_PREFIX, 0, der, 0, X509_PREFIX.length);
        System.arraycopy(bytes, 0, der, X509_PREFIX.length, 32);
        bytes = der;
      }
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(bytes));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  private static boolean verifies(PublicKey key, byte[] message, String signatureBase64) {
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(message);
      return verifier.verify(Base64.getDecoder().decode(signatureBase64));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return false; // a malformed signature or a key of another type counts as no signature
    }
  }
}
