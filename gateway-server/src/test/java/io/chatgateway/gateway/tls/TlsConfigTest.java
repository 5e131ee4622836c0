package io.chatgateway.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsConfigTest {

  private static Optional<TlsConfig> read(Map<String, String> env) {
    return TlsConfig.fromEnvironment(new EnvReader(env));
  }

  @Test
  void plaintextWithoutFilesAndTlsWithBoth() {
    assertEquals(Optional.empty(), read(Map.of()));
    TlsConfig tls = read(Map.of("TLS_CERT_FILE", "/etc/tls/tls.crt", "TLS_KEY_FILE", "/etc/tls/tls.key")).orElseThrow();
    assertEquals(Path.of("/etc/tls/tls.crt"), tls.certFile());
    assertEquals(Path.of("/etc/tls/tls.key"), tls.keyFile());
    assertEquals(Optional.empty(), tls.clientCaFile());
    assertEquals(Duration.ofSeconds(30), tls.reloadInterval());
    TlsConfig mutual =
        read(Map.of("TLS_CERT_FILE", "c", "TLS_KEY_FILE", "k", "TLS_CLIENT_CA_FILE", "ca", "TLS_RELOAD_SEC", "5")).orElseThrow();
    assertEquals(Optional.of(Path.of("ca")), mutual.clientCaFile());
    assertEquals(Duration.ofSeconds(5), mutual.reloadInterval());
  }

  @Test
  void incompleteSetsAreRefusedNamingTheVariable() {
    assertMessage("TLS_CERT_FILE and TLS_KEY_FILE: set both", Map.of("TLS_CERT_FILE", "c"));
    assertMessage("TLS_CERT_FILE and TLS_KEY_FILE: set both", Map.of("TLS_KEY_FILE", "k"));
    assertMessage("TLS_CLIENT_CA_FILE: client certificates need TLS", Map.of("TLS_CLIENT_CA_FILE", "ca"));
    assertMessage("TLS_RELOAD_SEC", Map.of("TLS_CERT_FILE", "c", "TLS_KEY_FILE", "k", "TLS_RELOAD_SEC", "0"));
  }

  private static void assertMessage(String start, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> read(env));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }
}
