package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WebSockets that upgrade without a token must authenticate within the hello window, are counted, and
 * are bounded. The squatters here are raw sockets that complete the upgrade and then neither send a
 * frame nor answer the close handshake, as an attacker's would.
 */
class UnauthenticatedWebSocketTest {

  static final int MAX = 4;

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.withEnv(Map.of("HELLO_TIMEOUT_SEC", "1", "MAX_UNAUTHENTICATED_CONNECTIONS", Integer.toString(MAX)));

  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void silentUpgradesAreCountedBoundedAndCutAfterTheHelloWindow() throws Exception {
    List<Socket> squatters = new ArrayList<>();
    try {
      for (int i = 0; i < MAX; i++) {
        squatters.add(upgradeWithoutToken());
      }
      Await.until(Duration.ofSeconds(5), () -> unauthenticatedGauge() == MAX, () -> "gauge counts the squatters: " + unauthenticatedGauge());
      assertEquals(0, activeWebSocketSessions(), "they are not sessions");

      // Every slot is taken: the next one is told to come back later, at once.
      WsClient refused = WsClient.connect(ws(""));
      assertEquals(1013, refused.awaitClose(), refused.closeReason());
      assertTrue(refused.closeReason().contains("authenticate"), refused.closeReason());

      long start = System.nanoTime();
      for (Socket squatter : squatters) {
        assertCutWithoutAnswering(squatter);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "cut within the hello window and the close handshake, took " + took);
      Await.until(Duration.ofSeconds(5), () -> unauthenticatedGauge() == 0, () -> "slots given back: " + unauthenticatedGauge());
    } finally {
      for (Socket squatter : squatters) {
        squatter.close();
      }
    }
  }

  @Test
  void aHelloWithATokenInTheWindowStartsTheSessionAndGivesTheSlotBack() {
    WsClient browser = WsClient.connect(ws(""));
    browser.sendText("{\"frameId\":\"h\",\"hello\":{\"accessToken\":\"" + TestTokens.valid("brenda", "browser") + "\"}}");
    browser.await(ServerEvent::hasReady, "ready");
    Await.until(Duration.ofSeconds(5), () -> unauthenticatedGauge() == 0, "the slot is given back once authenticated");
    browser.sendText("{\"frameId\":\"p\",\"ping\":{}}");
    browser.await(ServerEvent::hasPong, "the session works");
    browser.abort();
  }

  @Test
  void aFirstFrameWithoutATokenIsRefusedAndFreesItsSlot() {
    WsClient client = WsClient.connect(ws(""));
    client.sendText("{\"frameId\":\"p\",\"ping\":{}}");
    assertEquals(1008, client.awaitClose(), client.closeReason());
    Await.until(Duration.ofSeconds(5), () -> unauthenticatedGauge() == 0, "slot given back");
  }

  @Test
  void aMalformedAuthorizationHeaderIsRefusedBeforeTheUpgradeNotIgnored() {
    for (String header : new String[] {"Bearer ", "Basic dXNlcjpwYXNz", "token-without-scheme"}) {
      java.util.concurrent.CompletionException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.CompletionException.class, () -> WsClient.connect(ws(""), Map.of("Authorization", header), true));
      assertEquals(401, ((java.net.http.WebSocketHandshakeException) refused.getCause()).getResponse().statusCode(), header);
    }
    assertEquals(0, unauthenticatedGauge(), "refused before the upgrade: no slot taken");
  }

  /** Opens a WebSocket without a token by hand, and reads the 101 answer. */
  private static Socket upgradeWithoutToken() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("localhost", gateway.server().httpPort()), 5_000);
    socket.setSoTimeout(15_000);
    String request =
        "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    String status = readHeaders(socket.getInputStream());
    assertTrue(status.startsWith("HTTP/1.1 101"), status);
    return socket;
  }

  /** Reads until the connection ends, never writing: a close frame may come first, then EOF must follow. */
  private static void assertCutWithoutAnswering(Socket squatter) throws IOException {
    InputStream in = squatter.getInputStream();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try {
      int b;
      while ((b = in.read()) != -1) {
        received.write(b);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the gateway kept a silent unauthenticated socket open; it sent " + received.size() + " bytes", e);
    } catch (IOException reset) {
      // a reset is a cut too
    }
    byte[] bytes = received.toByteArray();
    assertTrue(bytes.length >= 4 && (bytes[0] & 0x0f) == 0x8, "a close frame came first");
    assertEquals(1008, ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff), "policy violation");
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b == -1) {
        break;
      }
      headers.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return headers.toString(StandardCharsets.US_ASCII);
  }

  private static long unauthenticatedGauge() {
    return metric("chat_gateway_connections_unauthenticated(?:\\{[^}]*\\})? (\\d+)");
  }

  private static long activeWebSocketSessions() {
    return metric("chat_gateway_connections_active\\{[^}]*transport=\"websocket\"[^}]*\\} (\\d+)");
  }

  private static long metric(String pattern) {
    try {
      String body =
          http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher matcher = Pattern.compile("(?m)^" + pattern).matcher(body);
      return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  private static URI ws(String query) {
    return URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws" + query);
  }
}
