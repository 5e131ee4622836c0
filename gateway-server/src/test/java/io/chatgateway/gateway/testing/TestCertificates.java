package io.chatgateway.gateway.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made by the tests: a certificate authority, and leaf certificates it signs for
 * {@code localhost}/{@code 127.0.0.1} (servers) or for a name (clients), with PEM files and JDK TLS
 * contexts over them. EC P-256 keys, valid from an hour ago for a day; every certificate has its
 * own serial number.
 */
public final class TestCertificates {

  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  /** A self-signed certificate authority named {@code name}. */
  public static Authority authority(String name) {
    KeyPair keys = keyPair();
    X500Name subject = new X500Name("CN=" + name);
    X509Certificate certificate = sign(subject, subject, keys.getPublic(), keys.getPrivate(), builder -> {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    });
    return new Authority(new Leaf(certificate, keys.getPrivate()));
  }

  /** A certificate authority and what it signs. */
  public record Authority(Leaf self) {

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}. */
    public Leaf server() {
      return issue("localhost", true);
    }

    /** A client certificate named {@code name}. */
    public Leaf client(String name) {
      return issue(name, false);
    }

    private Leaf issue(String name, boolean server) {
      KeyPair keys = keyPair();
      X509Certificate certificate =
          sign(new X500Name(self.certificate.getSubjectX500Principal().getName()), new X500Name("CN=" + name), keys.getPublic(), self.key, builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (server) {
              builder.addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
          });
      return new Leaf(certificate, keys.getPrivate());
    }

    /** A JDK client context trusting this authority, presenting {@code identity} if not null. */
    public SSLContext clientContext(Leaf identity) {
      try {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("ca", self.certificate);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        KeyManagerFactory keys = null;
        if (identity != null) {
          KeyStore own = KeyStore.getInstance("PKCS12");
          own.load(null, null);
          own.setKeyEntry("me", identity.key, new char[0], new X509Certificate[] {identity.certificate});
          keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
          keys.init(own, new char[0]);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A certificate and its private key. */
  public record Leaf(X509Certificate certificate, PrivateKey key) {

    public BigInteger serial() {
      return certificate.getSerialNumber();
    }

    public String certificatePem() {
      StringWriter out = new StringWriter();
      try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
        pem.writeObject(certificate);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return out.toString();
    }

    /** The key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}), as the gateway reads it. */
    public String keyPem() {
      String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
      return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    }

    /** Writes the certificate and the key to {@code certFile} and {@code keyFile}, replacing them. */
    public void writeTo(Path certFile, Path keyFile) {
      try {
        Files.writeString(certFile, certificatePem());
        Files.writeString(keyFile, keyPem());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private interface Extensions {
    void add(X509v3CertificateBuilder builder) throws IOException;
  }

  private static X509Certificate sign(X500Name issuer, X500Name subject, java.security.PublicKey publicKey, PrivateKey issuerKey, Extensions extensions) {
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIALS.incrementAndGet()),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(Duration.ofDays(1))),
              subject,
              publicKey);
      extensions.add(builder);
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (IOException | OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
