package io.chatgateway.gateway.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.GatewayExtension;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An HTTP/2 peer that speaks the protocol correctly (preface, settings, ping answers) but never opens
 * a call is told to go away once the hello window has passed, and the connection ends: nobody holds a
 * gRPC connection without authenticating.
 */
class ConnectionWithoutCallsTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("HELLO_TIMEOUT_SEC", "1"));

  static final int PING = 0x6;
  static final int GOAWAY = 0x7;

  @Test
  void aConnectionThatNeverOpensACallIsClosedAfterTheHelloWindow() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("localhost", gateway.server().grpcPort()), 5_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0}); // empty SETTINGS
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      long start = System.nanoTime();
      Duration goAwayAfter = null;
      try {
        while (true) {
          int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
          int type = in.readUnsignedByte();
          int flags = in.readUnsignedByte();
          in.readInt(); // stream id
          byte[] payload = in.readNBytes(length);
          if (type == 0x4 && (flags & 0x1) == 0) {
            out.write(new byte[] {0, 0, 0, 0x4, 0x1, 0, 0, 0, 0}); // SETTINGS ACK
          } else if (type == PING && (flags & 0x1) == 0) {
            out.write(new byte[] {0, 0, 8, PING, 0x1, 0, 0, 0, 0});
            out.write(payload); // a live peer answers pings
          } else if (type == GOAWAY && goAwayAfter == null) {
            goAwayAfter = Duration.ofNanos(System.nanoTime() - start);
          }
          out.flush();
        }
      } catch (EOFException | java.net.SocketException closed) {
        // the gateway ended the connection
      } catch (SocketTimeoutException e) {
        throw new AssertionError("a connection without calls was kept open for 20 s", e);
      }
      Duration closedAfter = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(goAwayAfter != null && goAwayAfter.compareTo(Duration.ofMillis(700)) > 0, "GOAWAY after the hello window: " + goAwayAfter);
      assertTrue(closedAfter.compareTo(Duration.ofSeconds(15)) < 0, "and closed soon after: " + closedAfter);
    }
  }
}
