package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis goes away for a few seconds: streams stay open, readiness and gRPC health turn NOT_SERVING and
 * back, and events published after recovery reach every device on every gateway.
 */
class RedisFaultTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  static ThreeGateways cluster;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    cluster = ThreeGateways.start(redis.cacheUri(), Map.of("REDIS_COMMAND_TIMEOUT_MS", "1000"));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void streamsSurviveAnOutageReadinessFollowsItAndDeliveryResumes() throws Exception {
    List<DeviceClient> devices = FanoutScenario.everyDeviceGetsEveryEventInOrderOnce(cluster, "outage", 4);
    for (int i = 0; i < 3; i++) {
      assertEquals(200, readyz(i), "ready before the outage");
    }

    redis.server().stop();
    for (int i = 0; i < 3; i++) {
      int gateway = i;
      Await.until(Duration.ofSeconds(10), () -> readyz(gateway) == 503, "gateway " + gateway + " not ready while Redis is down");
      Await.until(Duration.ofSeconds(5), () -> grpcHealth(gateway) == ServingStatus.NOT_SERVING, "gRPC health of gateway " + gateway + " follows");
    }
    // Publishing what only the gateway publishes (typing) fails fast; the stream stays open.
    devices.get(0).send(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId("outage").setState(TypingState.TYPING_STATE_STARTED)));
    devices.get(0).send(
        ConnectRequest.newBuilder()
            .setFrameId("while-down")
            .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId("outage").setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("down").setText(io.chatgateway.proto.v1.TextPayload.newBuilder().setText("while down")))));
    ServerEvent failed = devices.get(0).await(e -> e.getFrameId().equals("while-down"), "an answer to the send while Redis is down");
    assertTrue(failed.hasError() && failed.getError().getCode() == io.chatgateway.proto.v1.ErrorCode.ERROR_CODE_UNAVAILABLE, "UNAVAILABLE, not a hang: " + failed);
    for (DeviceClient device : devices) {
      device.ping();
      assertNull(device.closedWith(), "streams stay open during the outage");
    }

    redis.server().restart();
    for (int i = 0; i < 3; i++) {
      int gateway = i;
      Await.until(Duration.ofSeconds(30), () -> readyz(gateway) == 200, "gateway " + gateway + " ready again");
      Await.until(Duration.ofSeconds(5), () -> grpcHealth(gateway) == ServingStatus.SERVING, "gRPC health of gateway " + gateway + " follows");
    }
    try (io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.cacheUri());
        io.lettuce.core.api.StatefulRedisConnection<String, String> connection = client.connect()) {
      for (String id : ThreeGateways.IDS) {
        Await.until(
            Duration.ofSeconds(10),
            () -> "2".equals(connection.sync().hget("chat:gw:{" + id + "}:rooms", "outage")) && connection.sync().hlen("chat:gw:{" + id + "}:conns") == 2,
            id + " re-wrote its metadata into the empty Redis");
      }
      assertEquals("gw-a", connection.sync().get("chat:device:{outage-user-0}:phone"), "device index re-written");
    }
    // The core has a Redis connection of its own, reconnecting on its own backoff (up to 5 s): until
    // it is back, a send is refused with UNAVAILABLE however ready the gateways are.
    Await.until(Duration.ofSeconds(15), () -> cluster.core.redis().connected(), "the core reconnected to Redis");
    int before = devices.get(5).matching(ServerEvent::hasRoomEvent).size();
    devices.get(2).send(
        ConnectRequest.newBuilder()
            .setFrameId("after")
            .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId("outage").setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("after").setText(io.chatgateway.proto.v1.TextPayload.newBuilder().setText("after recovery")))));
    ServerEvent accepted = devices.get(2).await(e -> e.getFrameId().equals("after"), "an answer to the send after recovery");
    assertTrue(accepted.hasAck(), "accepted after recovery: " + accepted);
    for (DeviceClient device : devices) {
      device.await(e -> e.hasRoomEvent() && e.getRoomEvent().getText().getText().equals("after recovery"), "the event published after recovery");
    }
    assertTrue(devices.get(5).matching(ServerEvent::hasRoomEvent).size() > before);
  }

  private static int readyz(int gateway) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://localhost:" + cluster.gateway(gateway).httpPort() + "/readyz")).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static ServingStatus grpcHealth(int gateway) {
    return HealthGrpc.newBlockingStub(cluster.channels.get(gateway))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }
}
