package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A WebSocket client that stops reading is cut as a slow consumer; the close frame then sits behind
 * data the client never reads, so the close handshake cannot happen. The gateway must still let go
 * of the connection: its end leaves ESTABLISHED within a few seconds, as the kernel's connection
 * table shows ({@code /proc/net/tcp}), without the client reading anything.
 */
class StalledWebSocketCloseTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("OUTBOUND_QUEUE_MAX_MESSAGES", "20"));

  @Test
  void theGatewayCutsAConnectionWhoseCloseFrameCannotBeWritten() throws Exception {
    String roomId = gateway.createRoom("stan");
    try (Socket client = new Socket()) {
      client.setReceiveBufferSize(4096); // before connecting, so the window stays small
      client.connect(new InetSocketAddress("127.0.0.1", gateway.server().httpPort()), 5_000);
      client.setSoTimeout(10_000);
      OutputStream out = client.getOutputStream();
      String token = TestTokens.valid("stan", "web");
      out.write(("GET /ws?token=" + token + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      assertTrue(readHeaders(client.getInputStream()).startsWith("HTTP/1.1 101"));
      sendText(out, "{\"frameId\":\"h\",\"hello\":{}}");
      sendText(out, "{\"frameId\":\"s\",\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
      Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers(roomId) == 1, "subscribed");

      // From here the client reads nothing. Fill its window and the gateway's send buffer until the
      // session is cut for reading too slowly.
      String text = "x".repeat(8_000);
      for (int i = 0; i < 3_000 && gateway.server().sessions().fanout().subscribers(roomId) > 0; i++) {
        gateway.sendText("stan", roomId, text);
      }
      Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers(roomId) == 0, "cut as a slow consumer");

      int clientPort = client.getLocalPort();
      Await.until(
          Duration.ofSeconds(10),
          () -> !"01".equals(gatewaySideState(gateway.server().httpPort(), clientPort)),
          () -> "the gateway's end is still ESTABLISHED (state " + gatewaySideState(gateway.server().httpPort(), clientPort) + ")");
    }
  }

  /** A masked text frame, as a client sends it (RFC 6455 5.2). */
  private static void sendText(OutputStream out, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x81);
    if (payload.length < 126) {
      frame.write(0x80 | payload.length);
    } else {
      frame.write(0x80 | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length & 0xff);
    }
    byte[] mask = new byte[4];
    ThreadLocalRandom.current().nextBytes(mask);
    frame.write(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i % 4]);
    }
    out.write(frame.toByteArray());
    out.flush();
  }

  /**
   * The TCP state (hex, as the kernel lists it: 01 ESTABLISHED, 04 FIN_WAIT1, ...) of the gateway's
   * end of the connection from {@code clientPort}, or null when the kernel no longer lists it.
   */
  private static String gatewaySideState(int serverPort, int clientPort) {
    String local = String.format(Locale.ROOT, ":%04X", serverPort);
    String remote = String.format(Locale.ROOT, ":%04X", clientPort);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(table))) {
          String[] fields = line.trim().split("\\s+");
          if (fields.length > 3 && fields[1].endsWith(local) && fields[2].endsWith(remote)) {
            return fields[3];
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + table, e);
      }
    }
    return null;
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream headers = new ByteArrayOutputStream();
    byte[] end = {'\r', '\n', '\r', '\n'};
    int matched = 0;
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
}
