package io.chatgateway.gateway.tls;

import io.chatgateway.gateway.env.ConfigException;
import io.grpc.util.CertificateUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and keys, and checks what a handshake would otherwise find out one client
 * at a time: that there is a certificate, that the key is one we can read, that it belongs to the
 * certificate. Every failure is a {@link ConfigException} naming the variable; none shows key bytes.
 */
final class PemFiles {

  private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----");

  private PemFiles() {}

  /** A certificate chain, leaf first, and the private key of its leaf. */
  record Identity(X509Certificate[] chain, PrivateKey key) {}

  /** Every certificate in {@code pem}; at least one. */
  static X509Certificate[] certificates(String variable, byte[] pem) {
    X509Certificate[] certificates;
    try {
      certificates = CertificateUtils.getX509Certificates(new ByteArrayInputStream(pem));
    } catch (GeneralSecurityException e) {
      throw new ConfigException(variable + ": not PEM certificates (" + e.getMessage() + ")");
    }
    if (certificates.length == 0) {
      throw new ConfigException(variable + ": no certificate in the file (expected -----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /**
   * The chain of {@code certPem} and the key of {@code keyPem}, checked to belong together; errors
   * name {@code certVariable} and {@code keyVariable}.
   */
  static Identity identity(String certVariable, byte[] certPem, String keyVariable, byte[] keyPem) {
    X509Certificate[] chain = certificates(certVariable, certPem);
    PrivateKey key = privateKey(keyVariable, keyPem);
    if (!belongTogether(key, chain[0])) {
      throw new ConfigException(
          keyVariable + ": the key does not belong to the first certificate of " + certVariable + " (" + chain[0].getSubjectX500Principal().getName() + ")");
    }
    return new Identity(chain, key);
  }

  private static PrivateKey privateKey(String variable, byte[] pem) {
    Matcher begin = BEGIN.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!begin.find()) {
      throw new ConfigException(variable + ": no PEM block in the file (expected -----BEGIN PRIVATE KEY-----)");
    }
    if (!begin.group(1).equals("PRIVATE KEY")) {
      // cert-manager writes PKCS#1 ("RSA PRIVATE KEY") unless told privateKey.encoding: PKCS8.
      throw new ConfigException(
          variable + ": found a '" + begin.group(1) + "' block; expected an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----),"
              + " convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
    }
    try {
      return CertificateUtils.getPrivateKey(new ByteArrayInputStream(pem));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException(variable + ": not a readable RSA or EC PKCS#8 key (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> null;
        };
    if (algorithm == null || !key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
