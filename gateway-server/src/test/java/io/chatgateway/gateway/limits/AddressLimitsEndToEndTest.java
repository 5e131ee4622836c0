package io.chatgateway.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streams per client address over real sockets: gRPC and WebSocket counted together, the typed
 * refusals, the opening rate, and the client address behind a trusted proxy.
 */
class AddressLimitsEndToEndTest {

  /** Two streams per address; the test's own address (loopback) is a trusted proxy. */
  @RegisterExtension
  static final GatewayExtension behindProxy = GatewayExtension.withEnv(Map.of("MAX_CONNECTIONS_PER_IP", "2", "TRUSTED_PROXIES", "127.0.0.0/8,::1"));

  /** One new stream per second per address, nobody trusted. */
  @RegisterExtension
  static final GatewayExtension rateLimited = GatewayExtension.withEnv(Map.of("CONNECTION_RATE_PER_IP", "1"));

  /** One stream per address, behind an L4 load balancer that speaks the PROXY protocol. */
  @RegisterExtension
  static final GatewayExtension proxyProtocol = GatewayExtension.withEnv(Map.of("MAX_CONNECTIONS_PER_IP", "1", "PROXY_PROTOCOL", "true"));

  private final List<DeviceClient> devices = new ArrayList<>();
  private final List<Socket> raw = new ArrayList<>();
  private final List<WsClient> sockets = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    devices.forEach(DeviceClient::close);
    sockets.forEach(WsClient::abort);
    for (Socket socket : raw) {
      socket.close();
    }
  }

  /**
   * Opens a connection to the HTTP port as a load balancer would, announcing {@code client} in a
   * PROXY protocol v1 line (none if null), and asks for a WebSocket; returns the answer's head.
   */
  private String upgradeVia(String client) throws IOException {
    Socket socket = new Socket("localhost", proxyProtocol.server().httpPort());
    raw.add(socket);
    socket.setSoTimeout(10_000);
    String request =
        (client == null ? "" : "PROXY TCP4 " + client + " 10.0.0.1 40000 8080\r\n")
            + "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer " + TestTokens.valid("lb-" + raw.size(), "web") + "\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    byte[] head = new byte[512];
    int read = socket.getInputStream().read(head);
    return read < 0 ? "(closed)" : new String(head, 0, read, StandardCharsets.US_ASCII);
  }

  /** A device stream whose proxy says it comes from {@code forwardedFor} (none if null). */
  private DeviceClient device(GatewayExtension gateway, String profile, String forwardedFor) {
    Channel channel = gateway.channel();
    if (forwardedFor != null) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER), forwardedFor);
      channel = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    DeviceClient client = DeviceClient.connect(channel, TestTokens.valid(profile, "phone"), profile);
    devices.add(client);
    return client;
  }

  private WsClient webSocket(GatewayExtension gateway, String profile, String forwardedFor) {
    WsClient socket =
        WsClient.connect(
            URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws"),
            Map.of("Authorization", "Bearer " + TestTokens.valid(profile, "web"), "X-Forwarded-For", forwardedFor),
            true);
    sockets.add(socket);
    return socket;
  }

  @Test
  void anAddressHoldsAtMostItsStreamsOnEveryTransportTogether() throws Exception {
    device(behindProxy, "first", "203.0.113.5").hello();
    WsClient second = webSocket(behindProxy, "second", "203.0.113.5");
    second.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    second.await(ServerEvent::hasReady, "ready");

    DeviceClient third = device(behindProxy, "third", "203.0.113.5");
    Status refused = third.awaitClosed();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode());
    assertTrue(refused.getDescription().startsWith("too many streams from 203.0.113.5 (MAX_CONNECTIONS_PER_IP=2)"), refused.getDescription());
    CompletionException upgrade = assertThrows(CompletionException.class, () -> webSocket(behindProxy, "fourth", "203.0.113.5"));
    assertTrue(upgrade.getCause() instanceof WebSocketHandshakeException handshake && handshake.getResponse().statusCode() == 429, upgrade.toString());

    device(behindProxy, "neighbour", "203.0.113.6").hello(); // another client behind the same proxy

    second.abort();
    sockets.remove(second);
    Await.until(Duration.ofSeconds(10), () -> behindProxy.server().sessions().openSessions() == 2, "the WebSocket's end seen");
    device(behindProxy, "fifth", "203.0.113.5").hello(); // its place came back

    String metrics =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create("http://localhost:" + behindProxy.server().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(metrics.lines().anyMatch(line -> line.startsWith("chat_gateway_connections_refused_total{") && line.endsWith("reason=\"per_ip_limit\"} 2.0")), metrics);
  }

  @Test
  void behindAnL4BalancerTheProxyProtocolNamesTheClient() throws IOException {
    assertTrue(upgradeVia("203.0.113.9").startsWith("HTTP/1.1 101"), "the first stream of 203.0.113.9");
    String second = upgradeVia("203.0.113.9");
    assertTrue(second.startsWith("HTTP/1.1 429") && second.contains("too many streams from 203.0.113.9"), second);
    assertTrue(upgradeVia("203.0.113.10").startsWith("HTTP/1.1 101"), "another client of the same balancer");
    assertTrue(!upgradeVia(null).startsWith("HTTP/1.1 101"), "a connection without the PROXY line is not served");
  }

  @Test
  void aClientCannotChooseItsAddressWhereNobodyIsTrusted() {
    DeviceClient first = device(rateLimited, "spoofer-1", "198.51.100.1");
    DeviceClient second = device(rateLimited, "spoofer-2", "198.51.100.2");
    // Both are the loopback address to this gateway, which trusts no proxy: one budget, one admitted.
    Await.until(Duration.ofSeconds(10), () -> first.closedWith() != null || second.closedWith() != null, "one of two streams opened at once from one address refused");
    DeviceClient refused = first.closedWith() != null ? first : second;
    Status status = refused.awaitClosed();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertTrue(status.getDescription().contains("(CONNECTION_RATE_PER_IP=1 per second)"), status.getDescription());
  }
}
