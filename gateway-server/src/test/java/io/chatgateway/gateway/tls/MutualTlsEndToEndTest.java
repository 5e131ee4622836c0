package io.chatgateway.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestCertificates;
import io.chatgateway.gateway.testing.TestCertificates.Authority;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code TLS_CLIENT_CA_FILE}: both device ports take only clients whose certificate chains to it. */
class MutualTlsEndToEndTest {

  static final Authority SERVERS = TestCertificates.authority("servers-ca");
  static final Authority DEVICES = TestCertificates.authority("devices-ca");
  static final Authority STRANGERS = TestCertificates.authority("strangers-ca");

  @TempDir static Path dir;
  static GatewayServer gateway;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    SERVERS.server().writeTo(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    Files.writeString(dir.resolve("clients.crt"), DEVICES.self().certificatePem());
    gateway =
        GatewayExtension.start(
            Map.of(
                "TLS_CERT_FILE", dir.resolve("tls.crt").toString(),
                "TLS_KEY_FILE", dir.resolve("tls.key").toString(),
                "TLS_CLIENT_CA_FILE", dir.resolve("clients.crt").toString()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @AfterEach
  void closeClients() throws Exception {
    for (AutoCloseable client : opened) {
      client.close();
    }
  }

  private DeviceClient device(TestCertificates.Leaf identity, String profile) {
    ManagedChannel channel = TlsEndToEndTest.tlsChannel(gateway.grpcPort(), SERVERS, identity);
    opened.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    DeviceClient client = DeviceClient.connect(channel, TestTokens.valid(profile, "phone"), profile);
    opened.add(client);
    return client;
  }

  @Test
  void aDeviceWithACertificateFromTheClientCaIsServed() {
    device(DEVICES.client("device-1"), "certified").hello();
    WsClient socket =
        TlsEndToEndTest.webSocketReady(
            HttpClient.newBuilder().sslContext(SERVERS.clientContext(DEVICES.client("browser-1"))).build(),
            URI.create("wss://localhost:" + gateway.httpPort() + "/ws"),
            "certified-browser");
    socket.abort();
  }

  @Test
  void aDeviceWithoutACertificateIsRefused() {
    DeviceClient anonymous = device(null, "anonymous");
    assertEquals(Status.Code.UNAVAILABLE, anonymous.awaitClosed().getCode());
    HttpClient noCertificate = HttpClient.newBuilder().sslContext(SERVERS.clientContext(null)).build();
    assertThrows(CompletionException.class, () -> WsClient.connect(noCertificate, URI.create("wss://localhost:" + gateway.httpPort() + "/ws"), Map.of(), true));
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() {
    DeviceClient stranger = device(STRANGERS.client("stranger"), "stranger");
    assertEquals(Status.Code.UNAVAILABLE, stranger.awaitClosed().getCode());
    HttpClient strangerHttp = HttpClient.newBuilder().sslContext(SERVERS.clientContext(STRANGERS.client("stranger-browser"))).build();
    assertThrows(CompletionException.class, () -> WsClient.connect(strangerHttp, URI.create("wss://localhost:" + gateway.httpPort() + "/ws"), Map.of(), true));
  }
}
