package io.chatgateway.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestCertificates;
import io.chatgateway.gateway.testing.TestCertificates.Authority;
import io.chatgateway.gateway.testing.TestCertificates.Leaf;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both device ports of a real gateway: gRPC and WebSocket clients over TLS, plaintext
 * refused, health and metrics on the plaintext internal port, and a certificate rotated on disk
 * served to new connections while an open stream stays open.
 */
class TlsEndToEndTest {

  static final Authority CA = TestCertificates.authority("tls-e2e-ca");

  @TempDir static Path dir;
  static Path certFile;
  static Path keyFile;
  static GatewayServer gateway;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @BeforeAll
  static void start() throws IOException {
    certFile = dir.resolve("tls.crt");
    keyFile = dir.resolve("tls.key");
    CA.server().writeTo(certFile, keyFile);
    gateway = GatewayExtension.start(Map.of("TLS_CERT_FILE", certFile.toString(), "TLS_KEY_FILE", keyFile.toString(), "TLS_RELOAD_SEC", "1", "INTERNAL_PORT", "0"));
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

  /** A channel to the gateway's gRPC port trusting {@code ca}, presenting {@code identity} if not null. */
  static ManagedChannel tlsChannel(int port, Authority ca, Leaf identity) {
    try {
      TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(pem(ca.self().certificatePem()));
      if (identity != null) {
        credentials.keyManager(pem(identity.certificatePem()), pem(identity.keyPem()));
      }
      return Grpc.newChannelBuilderForAddress("localhost", port, credentials.build()).build();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ByteArrayInputStream pem(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
  }

  private ManagedChannel channel(ManagedChannel channel) {
    opened.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private DeviceClient device(ManagedChannel channel, String profile) {
    DeviceClient client = DeviceClient.connect(channel, TestTokens.valid(profile, "phone"), profile);
    opened.add(client);
    return client;
  }

  /** Opens a WebSocket over {@code http}, says hello and awaits ready. */
  static WsClient webSocketReady(HttpClient http, URI uri, String profile) {
    WsClient socket = WsClient.connect(http, uri, Map.of("Authorization", "Bearer " + TestTokens.valid(profile, "web")), true);
    socket.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    socket.await(ServerEvent::hasReady, "ready over " + uri.getScheme());
    return socket;
  }

  /** The serial number of the certificate a new TLS connection to {@code port} is served. */
  static BigInteger servedSerial(int port, SSLContext client, String protocol) {
    try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("localhost", port)) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {protocol});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aDeviceStreamRunsOverTls() {
    ManagedChannel channel = channel(tlsChannel(gateway.grpcPort(), CA, null));
    DeviceClient device = device(channel, "tls-phone");
    device.hello();
    device.ping();
    device.await(ServerEvent::hasPong, "pong over TLS");
    // The stream's start released the connection's header table; later calls on it go on.
    assertEquals(
        HealthCheckResponse.ServingStatus.SERVING,
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    device.ping();
  }

  @Test
  void plaintextIsRefusedOnTheGrpcPort() {
    ManagedChannel plaintext = channel(NettyChannelBuilder.forAddress("localhost", gateway.grpcPort()).usePlaintext().build());
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () -> HealthGrpc.newBlockingStub(plaintext).withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
  }

  @Test
  void aWebSocketRunsOverWssAndPlainWsIsRefused() {
    HttpClient https = HttpClient.newBuilder().sslContext(CA.clientContext(null)).build();
    WsClient socket = webSocketReady(https, URI.create("wss://localhost:" + gateway.httpPort() + "/ws"), "wss-browser");
    opened.add(socket::abort);

    CompletionException plain =
        assertThrows(CompletionException.class, () -> WsClient.connect(URI.create("ws://localhost:" + gateway.httpPort() + "/ws"), Map.of(), true));
    assertTrue(plain.getCause() instanceof IOException, plain.toString());
  }

  @Test
  void healthAndMetricsAreOnTheInternalPortOnly() throws Exception {
    HttpClient plain = HttpClient.newHttpClient();
    int internal = gateway.internalPort().orElseThrow();
    assertEquals(200, plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + internal + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(200, plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + internal + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpResponse<String> metrics = plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + internal + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(metrics.body().contains("chat_gateway_"), "the gateway's series");
    assertEquals(404, plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + internal + "/ws")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

    HttpClient https = HttpClient.newBuilder().sslContext(CA.clientContext(null)).build();
    assertEquals(404, https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + gateway.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
        "the internet-facing port shows no metrics");
  }

  @Test
  void aRotatedCertificateIsServedToNewConnectionsWhileAnOpenStreamStaysOpen() {
    SSLContext client = CA.clientContext(null);
    DeviceClient before = device(channel(tlsChannel(gateway.grpcPort(), CA, null)), "before-rotation");
    before.hello();
    HttpClient https = HttpClient.newBuilder().sslContext(client).build();
    WsClient socketBefore = webSocketReady(https, URI.create("wss://localhost:" + gateway.httpPort() + "/ws"), "ws-before-rotation");
    opened.add(socketBefore::abort);

    Leaf rotated = CA.server();
    rotated.writeTo(certFile, keyFile); // as cert-manager renewing; TLS_RELOAD_SEC=1
    Await.until(
        Duration.ofSeconds(15),
        () -> rotated.serial().equals(servedSerial(gateway.grpcPort(), client, "h2")) && rotated.serial().equals(servedSerial(gateway.httpPort(), client, "http/1.1")),
        "the rotated certificate served on both ports");

    before.ping();
    before.await(ServerEvent::hasPong, "pong on the stream opened before the rotation");
    assertNull(before.closedWith(), "the open stream stays open");
    socketBefore.sendText("{\"frameId\":\"p\",\"ping\":{}}");
    socketBefore.await(ServerEvent::hasPong, "pong on the WebSocket opened before the rotation");
    assertNull(socketBefore.closeCode());

    DeviceClient after = device(channel(tlsChannel(gateway.grpcPort(), CA, null)), "after-rotation");
    after.hello();
  }
}
