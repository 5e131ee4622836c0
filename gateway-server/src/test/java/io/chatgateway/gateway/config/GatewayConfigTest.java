package io.chatgateway.gateway.config;

import io.chatgateway.client.ClientCredentials;

import io.chatgateway.gateway.env.ConfigException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import io.chatgateway.gateway.forward.ForwardedChatService.Marshalling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

  @Test
  void nothingConfiguredMeansEmbeddedCoreDevModeAndDocumentedDefaults() {
    GatewayConfig config = GatewayConfig.fromEnvironment(Map.of());
    assertEquals(50051, config.grpcPort());
    assertEquals(Optional.empty(), config.chatServiceTarget());
    assertTrue(config.auth().devMode());
    assertEquals("service_chat_gateway", config.auth().audience());
    assertEquals(Duration.ofSeconds(5), config.upstream().callTimeout());
    assertEquals(Marshalling.PASS_THROUGH, config.forwardMarshalling());
    assertTrue(config.gatewayId().startsWith("gw-"));
  }

  @Test
  void valuesAreReadAndListsSplit() {
    GatewayConfig config =
        GatewayConfig.fromEnvironment(
            Map.of(
                "GRPC_PORT", "6000",
                "GATEWAY_ID", "edge-1",
                "CHAT_SERVICE_URI", "core.internal:50052",
                "OAUTH2_JWKS_URI", "https://idp.example/jwks.json",
                "OAUTH2_ISSUER", "https://a.example, https://b.example",
                "JWT_ALGORITHMS", "RS256,ES256",
                "UPSTREAM_TIMEOUT_MS", "250"));
    assertEquals(6000, config.grpcPort());
    assertEquals("edge-1", config.gatewayId());
    assertEquals(Optional.of("core.internal:50052"), config.chatServiceTarget());
    assertFalse(config.auth().devMode());
    assertEquals(java.util.List.of("https://a.example", "https://b.example"), config.auth().issuers());
    assertEquals(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), config.auth().algorithms());
    assertEquals(Duration.ofMillis(250), config.upstream().callTimeout());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GRPC_PORT|abc",
        "GRPC_PORT|70000",
        "GATEWAY_ID|has spaces",
        "CHAT_SERVICE_URI|no-port",
        "CHAT_SERVICE_URI|host:0",
        "OAUTH2_JWKS_URI|ftp://idp/jwks",
        "OAUTH2_JWKS_URI|::not a uri",
        "JWT_HMAC_SECRET|too-short",
        "JWT_ALGORITHMS|RS256",
        "JWT_ALGORITHMS|none",
        "JWT_CLOCK_SKEW_SEC|-1",
        "UPSTREAM_TIMEOUT_MS|0",
        "UPSTREAM_BREAKER_FAILURES|zero",
        "UPSTREAM_READ_ATTEMPTS|9",
        "CHAT_SERVICE_TLS|maybe",
        "FORWARD_MARSHALLING|json",
        "MAX_CHANNELS_PER_SOCKET|0",
        "MAX_CONNECT_REQUESTS|0",
        "MAX_CONNECTIONS_PER_DEVICE|none",
        "MAX_EVENTS_PER_SECOND|-5",
        "MAX_FRAME_BYTES|10",
        "OUTBOUND_QUEUE_MAX_MESSAGES|0",
        "OUTBOUND_QUEUE_MAX_BYTES|1",
        "PRESENCE_TTL_SECONDS|0",
        "CONNECTION_TIMEOUT_SEC|1",
        "TYPING_TTL_SEC|x",
        "SHUTDOWN_GRACE_SEC|0",
        "MAX_CONNECTION_AGE_SEC|-1",
        "CACHE_URI|http://cache:6379",
        "CACHE_URI|redis://no-port",
        "GATEWAY_HEARTBEAT_SEC|0",
        "REDIS_COMMAND_TIMEOUT_MS|5",
        "HTTP_PORT|99999",
        "HELLO_TIMEOUT_SEC|0",
        "HELLO_TIMEOUT_SEC|soon",
        "MAX_UNAUTHENTICATED_CONNECTIONS|-1",
        "MAX_UNAUTHENTICATED_CONNECTIONS|lots",
        "RESUME_MAX_EVENTS|0",
        "RESUME_MAX_EVENTS|100001",
        "RESUME_MAX_EVENTS|all",
        "WRITE_DELAY_MS|-1",
        "WRITE_DELAY_MS|1001",
        "WRITE_DELAY_MS|soon",
        "PRESENCE_COALESCE_MS|-1",
        "PRESENCE_COALESCE_MS|60001",
        "PRESENCE_PUSH_MAX_MEMBERS|-5",
        "PRESENCE_PUSH_MAX_MEMBERS|many",
        "RECENT_EVENTS_PER_ROOM|-1",
        "RECENT_EVENTS_PER_ROOM|100001",
        "RECENT_EVENTS_MAX_BYTES|-1",
        "RECENT_EVENTS_MAX_BYTES|lots",
        "ALLOWED_ORIGINS|chat.example.com",
        "INTERNAL_PORT|70000",
        "INTERNAL_PORT|admin",
        "TLS_CERT_FILE|/etc/tls/tls.crt",
        "TLS_CLIENT_CA_FILE|/etc/tls/ca.crt",
        "OAUTH2_TOKEN_ENDPOINT|ftp://idp/token",
        "JWT_CLIENT_ID|chat-gateway"
      })
  void aBadValueStopsStartUpNamingTheVariable(String name, String value) {
    Map<String, String> env = new HashMap<>();
    env.put(name, value);
    ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(env));
    assertTrue(e.getMessage().startsWith(name), e.getMessage());
  }

  @Test
  void sessionDefaultsAreTheDocumentedOnes() {
    var session = GatewayConfig.fromEnvironment(Map.of()).session();
    assertEquals(200, session.maxRoomsPerSession());
    assertEquals(1, session.maxConnectionsPerDevice());
    assertEquals(100, session.maxEventsPerSecond());
    assertEquals(64 * 1024, session.maxFrameBytes());
    assertEquals(Duration.ofSeconds(30), session.heartbeatInterval());
    assertEquals(Duration.ofSeconds(300), session.connectionTimeout());
    assertEquals(Duration.ofSeconds(90), session.presenceTtl());
    assertEquals(Duration.ofSeconds(10), session.typingTtl());
    assertEquals(Duration.ofSeconds(10), session.helloTimeout());
    assertEquals(10_000, GatewayConfig.fromEnvironment(Map.of()).http().maxUnauthenticatedConnections());
  }

  @Test
  void theHeartbeatMustBeShorterThanTheTimeout() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> GatewayConfig.fromEnvironment(Map.of("HEARTBEAT_INTERVAL_SEC", "60", "CONNECTION_TIMEOUT_SEC", "60")));
    assertTrue(e.getMessage().contains("HEARTBEAT_INTERVAL_SEC") && e.getMessage().contains("CONNECTION_TIMEOUT_SEC"), e.getMessage());
  }

  @Test
  void theGatewaysOwnCredentialsComeAsASetForARemoteCore(@TempDir Path dir) throws IOException {
    Map<String, String> env = new HashMap<>(Map.of("CHAT_SERVICE_URI", "core:50052", "OAUTH2_TOKEN_ENDPOINT", "https://idp/token", "JWT_CLIENT_ID", "chat-gateway"));
    ConfigException noSecret = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(env));
    assertTrue(noSecret.getMessage().startsWith("JWT_CLIENT_SECRET (or JWT_CLIENT_SECRET_FILE): required"), noSecret.getMessage());

    Path secretFile = dir.resolve("client-secret");
    Files.writeString(secretFile, "s3cret-from-a-mount\n");
    env.put("JWT_CLIENT_SECRET_FILE", secretFile.toString());
    env.put("OAUTH2_CLIENT_SCOPE", "chat.core");
    ClientCredentials credentials = GatewayConfig.fromEnvironment(env).upstream().serviceCredentials().orElseThrow();
    assertEquals("s3cret-from-a-mount", credentials.clientSecret());
    assertEquals("chat-gateway", credentials.clientId());
    assertEquals(Optional.of("chat.core"), credentials.scope());
    assertFalse(GatewayConfig.fromEnvironment(env).toString().contains("s3cret"), "never in the configuration's text");

    env.remove("CHAT_SERVICE_URI");
    ConfigException embedded = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(env));
    assertTrue(embedded.getMessage().startsWith("OAUTH2_TOKEN_ENDPOINT: the gateway's token is for a remote core"), embedded.getMessage());
    assertEquals(Optional.empty(), GatewayConfig.fromEnvironment(Map.of()).upstream().serviceCredentials(), "none by default");
  }

  @Test
  void twoKeySourcesAreRefused() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                GatewayConfig.fromEnvironment(
                    Map.of("OAUTH2_JWKS_URI", "https://idp/jwks", "JWT_HMAC_SECRET", "x".repeat(40))));
    assertTrue(e.getMessage().contains("OAUTH2_JWKS_URI") && e.getMessage().contains("JWT_HMAC_SECRET"), e.getMessage());
  }

  @Test
  void theHmacSecretMayComeFromAFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hmac");
    Files.writeString(file, "s".repeat(40) + "\n");
    GatewayConfig config = GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET_FILE", file.toString()));
    assertEquals(Optional.of("s".repeat(40)), config.auth().hmacSecret(), "content without its line break");
    assertFalse(config.toString().contains("s".repeat(40)), "the configuration's text never holds the secret: " + config);
  }

  @Test
  void aSecretFileIsRefusedClearlyAndNeverEchoed(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("hmac");
    Files.writeString(file, "short-secret-value");
    ConfigException tooShort = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET_FILE", file.toString())));
    assertTrue(tooShort.getMessage().startsWith("JWT_HMAC_SECRET"), tooShort.getMessage());
    assertFalse(tooShort.getMessage().contains("short-secret-value"), tooShort.getMessage());

    Path missing = dir.resolve("absent");
    ConfigException unreadable = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET_FILE", missing.toString())));
    assertTrue(unreadable.getMessage().startsWith("JWT_HMAC_SECRET_FILE: cannot read " + missing), unreadable.getMessage());

    Path empty = dir.resolve("empty");
    Files.writeString(empty, "\n");
    ConfigException blank = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET_FILE", empty.toString())));
    assertTrue(blank.getMessage().contains("is empty"), blank.getMessage());

    Path binary = dir.resolve("binary");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3});
    ConfigException notText = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET_FILE", binary.toString())));
    assertTrue(notText.getMessage().contains("not UTF-8 text"), notText.getMessage());

    ConfigException both =
        assertThrows(
            ConfigException.class,
            () -> GatewayConfig.fromEnvironment(Map.of("JWT_HMAC_SECRET", "x".repeat(40), "JWT_HMAC_SECRET_FILE", file.toString())));
    assertTrue(both.getMessage().contains("JWT_HMAC_SECRET and JWT_HMAC_SECRET_FILE"), both.getMessage());
    assertFalse(both.getMessage().contains("x".repeat(40)), both.getMessage());
  }
}
