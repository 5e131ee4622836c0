package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis goes away long enough for sends to open the upstream breaker, then comes back: readiness
 * returns to 200 by itself, with no device traffic at all, whether the core is embedded in the
 * gateway or a process of its own.
 */
class ReadinessRecoveryTest {

  @Order(1)
  @RegisterExtension
  static final RedisExtension redis = RedisExtension.standalone();

  static final Map<String, String> BREAKER =
      Map.of("UPSTREAM_BREAKER_FAILURES", "2", "UPSTREAM_BREAKER_OPEN_MS", "500", "REDIS_COMMAND_TIMEOUT_MS", "500", "GATEWAY_HEARTBEAT_SEC", "1");

  static volatile CoreCommand.Running core;

  @Order(2)
  @RegisterExtension
  static final GatewayExtension embedded = GatewayExtension.withEnv(() -> with(Map.of("CACHE_URI", redis.cacheUri(), "GATEWAY_ID", "gw-embedded")));

  @Order(3)
  @RegisterExtension
  static final GatewayExtension remote =
      GatewayExtension.withEnv(
          () -> {
            try {
              core = CoreCommand.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "REDIS_COMMAND_TIMEOUT_MS", "500", "CORE_TRUST_NETWORK", "true"));
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
            return with(Map.of("CACHE_URI", redis.cacheUri(), "GATEWAY_ID", "gw-remote", "CHAT_SERVICE_URI", "localhost:" + core.port()));
          });

  static final HttpClient http = HttpClient.newHttpClient();

  @AfterAll
  static void stopCore() {
    if (core != null) {
      core.close();
    }
  }

  @Test
  void readinessReturnsByItselfAfterARedisOutageWithEitherCore() throws Exception {
    for (GatewayExtension gateway : new GatewayExtension[] {embedded, remote}) {
      Await.until(Duration.ofSeconds(10), () -> readyz(gateway).statusCode() == 200, "ready before the outage");
    }
    String embeddedRoom = embedded.createRoom("rita");
    String remoteRoom = remote.createRoom("rita");

    redis.server().stop();
    for (int i = 0; i < 4; i++) {
      sendIgnoringFailure(embedded, embeddedRoom);
      sendIgnoringFailure(remote, remoteRoom);
    }
    for (GatewayExtension gateway : new GatewayExtension[] {embedded, remote}) {
      Await.until(Duration.ofSeconds(10), () -> readyz(gateway).body().contains("circuit breaker OPEN"), () -> "the sends opened the breaker: " + readyz(gateway).body());
    }

    redis.server().restart();
    // No device calls from here on: only the gateway's own probe can close the breaker.
    for (GatewayExtension gateway : new GatewayExtension[] {embedded, remote}) {
      Await.until(Duration.ofSeconds(20), () -> readyz(gateway).statusCode() == 200, () -> "ready again without traffic: " + readyz(gateway).body());
    }
    assertEquals("after", embedded.sendText("rita", embeddedRoom, "after").getText().getText());
    assertEquals("after", remote.sendText("rita", remoteRoom, "after").getText().getText());
  }

  private static void sendIgnoringFailure(GatewayExtension gateway, String roomId) {
    try {
      gateway.sendText("rita", roomId, "during the outage");
    } catch (StatusRuntimeException expected) {
      assertTrue(expected.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE, expected.getStatus().toString());
    }
  }

  private static HttpResponse<String> readyz(GatewayExtension gateway) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> with(Map<String, String> more) {
    Map<String, String> env = new java.util.HashMap<>(BREAKER);
    env.putAll(more);
    return env;
  }
}
