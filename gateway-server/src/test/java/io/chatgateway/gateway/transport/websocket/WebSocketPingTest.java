package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server pings every authenticated WebSocket each HEARTBEAT_INTERVAL_SEC (the session sweeper
 * sends them; there is no timer per socket), so proxies and NATs see traffic on a quiet socket; a
 * socket still waiting for its hello gets none.
 */
class WebSocketPingTest {

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("HEARTBEAT_INTERVAL_SEC", "1", "CONNECTION_TIMEOUT_SEC", "60", "HELLO_TIMEOUT_SEC", "30"));

  @Test
  void aQuietAuthenticatedSocketIsPingedEveryInterval() {
    WsClient waiting = WsClient.connect(ws(""));
    WsClient client = WsClient.connect(ws("?token=" + TestTokens.valid("pinged", "browser")));
    client.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    client.await(ServerEvent::hasReady, "ready");
    Await.until(Duration.ofSeconds(15), () -> client.pings() >= 3, () -> "three pings, got " + client.pings());
    assertEquals(0, waiting.pings(), "no pings before a hello authenticates the socket");
    client.abort();
    waiting.abort();
  }

  private static URI ws(String query) {
    return URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws" + query);
  }
}
