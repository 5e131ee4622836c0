package io.chatgateway.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.testing.TestCertificates;
import io.chatgateway.gateway.testing.TestCertificates.Authority;
import io.chatgateway.gateway.testing.TestCertificates.Leaf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, checking and reloading the PEM files, without sockets. */
class TlsMaterialTest {

  private static final Authority CA = TestCertificates.authority("test-ca");

  @TempDir Path dir;

  private static final TlsConfig.Variables DEVICE_PORTS = new TlsConfig.Variables("TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CLIENT_CA_FILE");

  private TlsConfig config(boolean clientCa) {
    return new TlsConfig(
        DEVICE_PORTS, Optional.of(dir.resolve("tls.crt")), Optional.of(dir.resolve("tls.key")), clientCa ? Optional.of(dir.resolve("ca.crt")) : Optional.empty(), Duration.ofSeconds(1));
  }

  private static TlsMaterial server(TlsConfig config) {
    return TlsMaterial.load(config, TlsMaterial.Role.SERVER);
  }

  private TlsMaterial loaded(Leaf leaf) {
    leaf.writeTo(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    return server(config(false));
  }

  @Test
  void servesTheFilesCertificateAndTakesANewPairOnlyWhenTheFilesChange() {
    Leaf first = CA.server();
    TlsMaterial tls = loaded(first);
    assertEquals(first.serial(), tls.served().getSerialNumber());
    assertEquals(Optional.of(first.certificate().getNotAfter().toInstant()), tls.notAfter());
    assertFalse(tls.reloadIfChanged(), "nothing changed");

    Leaf second = CA.server();
    second.writeTo(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    assertTrue(tls.reloadIfChanged());
    assertEquals(second.serial(), tls.served().getSerialNumber());
    assertFalse(tls.reloadIfChanged(), "loaded once");
  }

  @Test
  void aHalfWrittenRotationKeepsThePreviousCertificateUntilTheKeyArrives() throws IOException {
    Leaf first = CA.server();
    TlsMaterial tls = loaded(first);
    Leaf second = CA.server();
    Files.writeString(dir.resolve("tls.crt"), second.certificatePem()); // the key file is still the old one
    assertFalse(tls.reloadIfChanged());
    assertEquals(first.serial(), tls.served().getSerialNumber(), "a key that does not match is never served");
    assertFalse(tls.reloadIfChanged(), "the refused set is not tried again");

    Files.writeString(dir.resolve("tls.key"), second.keyPem());
    assertTrue(tls.reloadIfChanged());
    assertEquals(second.serial(), tls.served().getSerialNumber());
  }

  @Test
  void aMissingFileAtReloadKeepsThePreviousCertificate() throws IOException {
    Leaf first = CA.server();
    TlsMaterial tls = loaded(first);
    Files.delete(dir.resolve("tls.key"));
    assertFalse(tls.reloadIfChanged());
    assertEquals(first.serial(), tls.served().getSerialNumber());
  }

  @Test
  void badFilesStopStartUpNamingTheVariableWithoutShowingTheKey() throws IOException {
    Leaf leaf = CA.server();
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");

    ConfigException missing = assertThrows(ConfigException.class, () -> server(config(false)));
    assertTrue(missing.getMessage().startsWith("TLS_CERT_FILE: cannot read " + cert), missing.getMessage());

    Files.writeString(cert, "not a certificate");
    Files.writeString(key, leaf.keyPem());
    ConfigException garbage = assertThrows(ConfigException.class, () -> server(config(false)));
    assertTrue(garbage.getMessage().startsWith("TLS_CERT_FILE: "), garbage.getMessage());

    Files.writeString(cert, leaf.certificatePem());
    Files.writeString(key, leaf.keyPem().replace("PRIVATE KEY", "RSA PRIVATE KEY"));
    ConfigException pkcs1 = assertThrows(ConfigException.class, () -> server(config(false)));
    assertTrue(pkcs1.getMessage().startsWith("TLS_KEY_FILE: found a 'RSA PRIVATE KEY' block"), pkcs1.getMessage());
    assertTrue(pkcs1.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), pkcs1.getMessage());

    Files.writeString(key, CA.server().keyPem());
    ConfigException mismatch = assertThrows(ConfigException.class, () -> server(config(false)));
    assertTrue(mismatch.getMessage().startsWith("TLS_KEY_FILE: the key does not belong to the first certificate of TLS_CERT_FILE (CN=localhost)"), mismatch.getMessage());

    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    ConfigException unreadable = assertThrows(ConfigException.class, () -> server(config(false)));
    assertTrue(unreadable.getMessage().startsWith("TLS_KEY_FILE: not a readable RSA or EC PKCS#8 key"), unreadable.getMessage());

    String keyBody = leaf.keyPem().lines().skip(1).findFirst().orElseThrow();
    for (ConfigException e : new ConfigException[] {missing, garbage, pkcs1, mismatch, unreadable}) {
      assertFalse(e.getMessage().contains(keyBody), "never the key: " + e.getMessage());
    }
  }

  @Test
  void aClientWithoutACertificateOfItsOwnTrustsItsCaFile() throws IOException {
    Files.writeString(dir.resolve("ca.crt"), CA.self().certificatePem());
    TlsConfig.Variables core = new TlsConfig.Variables("CHAT_SERVICE_CERT_FILE", "CHAT_SERVICE_KEY_FILE", "CHAT_SERVICE_CA_FILE");
    TlsMaterial client = TlsMaterial.load(new TlsConfig(core, Optional.empty(), Optional.empty(), Optional.of(dir.resolve("ca.crt")), Duration.ofSeconds(1)), TlsMaterial.Role.CLIENT);
    assertEquals(Optional.empty(), client.notAfter());
    assertFalse(client.requiresClientCertificates());
    assertTrue(client.describe().startsWith("no certificate of its own, trusting the CAs of "), client.describe());
    Files.writeString(dir.resolve("ca.crt"), "garbage");
    assertFalse(client.reloadIfChanged(), "a bad CA file keeps the old trust");
    ConfigException bad = assertThrows(ConfigException.class, () -> TlsMaterial.load(new TlsConfig(core, Optional.empty(), Optional.empty(), Optional.of(dir.resolve("ca.crt")), Duration.ofSeconds(1)), TlsMaterial.Role.CLIENT));
    assertTrue(bad.getMessage().startsWith("CHAT_SERVICE_CA_FILE: "), bad.getMessage());
  }

  @Test
  void clientCertificatesNeedACaFileWithCertificates() throws IOException {
    CA.server().writeTo(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    Files.writeString(dir.resolve("ca.crt"), "");
    ConfigException empty = assertThrows(ConfigException.class, () -> server(config(true)));
    assertTrue(empty.getMessage().startsWith("TLS_CLIENT_CA_FILE: no certificate"), empty.getMessage());

    Files.writeString(dir.resolve("ca.crt"), CA.self().certificatePem());
    TlsMaterial tls = server(config(true));
    assertTrue(tls.requiresClientCertificates());
    assertTrue(tls.describe().endsWith("client certificates required"), tls.describe());
  }
}
