package dev.agentbus.actors.policy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Signs a bundle's digest with Ed25519 (the JDK's EdDSA; for the CLI and tests).
 *
 * <p>What is signed is {@code "agentbus.constitution-bundle.v1:" + digest} in UTF-8, not the bare digest:
 * the prefix keeps a bundle signature from ever being valid for anything else the same key signs (audit
 * checkpoints, for one). With openssl: {@code printf 'agentbus.constitution-bundle.v1:%s' "$DIGEST" >
 * msg && openssl pkeyutl -sign -rawin -inkey key.pem -in msg | base64 -w0}.
 */
public final class BundleSigner {
  private BundleSigner() {}

  public static final String DOMAIN = "agentbus.constitution-bundle.v1:";

  /** The bundle with this key's signature added (an earlier signature by the same key id is replaced). */
  public static ConstitutionBundle sign(ConstitutionBundle bundle, String keyId, PrivateKey key) {
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(key);
      signer.update(signedBytes(bundle.digest()));
      String sig = Base64.getEncoder().encodeToString(signer.sign());
      return bundle.withSignature(new ConstitutionBundle.Signature(keyId, ConstitutionBundle.Signature.ED25519, sig));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with key '" + keyId + "': " + e.getMessage(), e);
    }
  }

  public static byte[] signedBytes(String digestHex) {
    return (DOMAIN + digestHex).getBytes(StandardCharsets.UTF_8);
  }
}
