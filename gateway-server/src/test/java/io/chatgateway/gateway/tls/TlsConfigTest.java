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
    return TlsConfig.devicePorts(new EnvReader(env));
  }

  @Test
  void plaintextWithoutFilesAndTlsWithBoth() {
    assertEquals(Optional.empty(), read(Map.of()));
    TlsConfig tls = read(Map.of("TLS_CERT_FILE", "/etc/tls/tls.crt", "TLS_KEY_FILE", "/etc/tls/tls.key")).orElseThrow();
    assertEquals(Optional.of(Path.of("/etc/tls/tls.crt")), tls.certFile());
    assertEquals(Optional.of(Path.of("/etc/tls/tls.key")), tls.keyFile());
    assertEquals(Optional.empty(), tls.caFile());
    assertEquals(Duration.ofSeconds(30), tls.reloadInterval());
    TlsConfig mutual =
        read(Map.of("TLS_CERT_FILE", "c", "TLS_KEY_FILE", "k", "TLS_CLIENT_CA_FILE", "ca", "TLS_RELOAD_SEC", "5")).orElseThrow();
    assertEquals(Optional.of(Path.of("ca")), mutual.caFile());
    assertEquals(Duration.ofSeconds(5), mutual.reloadInterval());
  }

  @Test
  void incompleteSetsAreRefusedNamingTheVariable() {
    assertMessage("TLS_CERT_FILE and TLS_KEY_FILE: set both", Map.of("TLS_CERT_FILE", "c"));
    assertMessage("TLS_CERT_FILE and TLS_KEY_FILE: set both", Map.of("TLS_KEY_FILE", "k"));
    assertMessage("TLS_CLIENT_CA_FILE: client certificates need TLS", Map.of("TLS_CLIENT_CA_FILE", "ca"));
    assertMessage("TLS_RELOAD_SEC", Map.of("TLS_CERT_FILE", "c", "TLS_KEY_FILE", "k", "TLS_RELOAD_SEC", "0"));
  }

  @Test
  void theCoresPortAndTheGatewaysChannelToItHaveTheirOwnVariables() {
    TlsConfig core = TlsConfig.corePort(new EnvReader(Map.of("CORE_TLS_CERT_FILE", "c", "CORE_TLS_KEY_FILE", "k", "CORE_TLS_CLIENT_CA_FILE", "gw-ca"))).orElseThrow();
    assertEquals("CORE_TLS_CLIENT_CA_FILE", core.variables().ca());
    assertEquals(Optional.empty(), TlsConfig.corePort(new EnvReader(Map.of())));
    ConfigException half = assertThrows(ConfigException.class, () -> TlsConfig.corePort(new EnvReader(Map.of("CORE_TLS_CERT_FILE", "c"))));
    assertTrue(half.getMessage().startsWith("CORE_TLS_CERT_FILE and CORE_TLS_KEY_FILE: set both"), half.getMessage());

    TlsConfig client = TlsConfig.coreClient(new EnvReader(Map.of("CHAT_SERVICE_CA_FILE", "core-ca")), true).orElseThrow();
    assertEquals(false, client.hasIdentity(), "trust of its own CA without a client certificate");
    assertEquals(Optional.empty(), TlsConfig.coreClient(new EnvReader(Map.of()), true), "the system's CAs");
    ConfigException plaintext = assertThrows(ConfigException.class, () -> TlsConfig.coreClient(new EnvReader(Map.of("CHAT_SERVICE_CA_FILE", "core-ca")), false));
    assertTrue(plaintext.getMessage().startsWith("CHAT_SERVICE_CA_FILE: TLS files for the core need CHAT_SERVICE_TLS=true"), plaintext.getMessage());
    ConfigException keyless = assertThrows(ConfigException.class, () -> TlsConfig.coreClient(new EnvReader(Map.of("CHAT_SERVICE_CERT_FILE", "c")), true));
    assertTrue(keyless.getMessage().startsWith("CHAT_SERVICE_CERT_FILE and CHAT_SERVICE_KEY_FILE: set both"), keyless.getMessage());
  }

  private static void assertMessage(String start, Map<String, String> env) {
    ConfigException e = assertThrows(ConfigException.class, () -> read(env));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }
}
