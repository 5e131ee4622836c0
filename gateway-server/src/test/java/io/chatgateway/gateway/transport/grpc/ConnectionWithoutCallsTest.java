package io.chatgateway.gateway.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.GatewayExtension;
import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
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

  @Test
  void aConnectionThatNeverOpensACallIsClosedAfterTheHelloWindow() throws Exception {
    try (RawHttp2Peer peer = RawHttp2Peer.connect(gateway.server().grpcPort(), Duration.ofSeconds(20))) {
      long start = System.nanoTime();
      Duration goAwayAfter = null;
      try {
        while (true) {
          RawHttp2Peer.Frame frame = peer.read();
          if (frame.type() == RawHttp2Peer.SETTINGS && !frame.isAck()) {
            peer.acknowledge(frame);
          } else if (frame.type() == RawHttp2Peer.PING && !frame.isAck()) {
            peer.answer(frame); // a live peer answers pings
          } else if (frame.type() == RawHttp2Peer.GOAWAY && goAwayAfter == null) {
            goAwayAfter = Duration.ofNanos(System.nanoTime() - start);
          }
        }
      } catch (EOFException | SocketException closed) {
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
