package io.chatgateway.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.bus.RedisChannels;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code MAX_PROFILE_EVENTS_PER_SECOND} over real sockets: one profile's sends over forwarded calls
 * and device streams together, and over two gateways sharing a real Redis.
 */
class ProfileRateEndToEndTest {

  @Order(1)
  @RegisterExtension
  static final RedisExtension redis = RedisExtension.standalone();

  @Order(2)
  @RegisterExtension
  static final GatewayExtension first = GatewayExtension.withEnv(() -> Map.of("MAX_PROFILE_EVENTS_PER_SECOND", "3", "CACHE_URI", redis.cacheUri()));

  @Order(3)
  @RegisterExtension
  static final GatewayExtension second = GatewayExtension.withEnv(() -> Map.of("MAX_PROFILE_EVENTS_PER_SECOND", "3", "CACHE_URI", redis.cacheUri()));

  private static SendEventRequest text(String roomId, String text) {
    return SendEventRequest.newBuilder()
        .setRoomId(roomId)
        .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text)))
        .build();
  }

  /** Sends as {@code profile} through {@code gateway}; the status code of the answer. */
  private static Status.Code send(GatewayExtension gateway, String profile, String roomId) {
    try {
      gateway.as(profile).sendEvent(text(roomId, "hi"));
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
        assertTrue(e.getStatus().getDescription().contains("more than 3 events in this second on all its devices (MAX_PROFILE_EVENTS_PER_SECOND)"), e.getStatus().toString());
      }
      return e.getStatus().getCode();
    }
  }

  /** Waits for the start of a second, so that what follows fits in one window of the bound. */
  private static void startOfASecond() {
    Await.until(Duration.ofSeconds(3), () -> System.currentTimeMillis() % 1000 < 150, "the start of a second");
  }

  @Test
  void oneProfilesSendsOnStreamsAndCallsShareOneBudget() {
    String room = first.createRoom("erin", "frank");
    try (DeviceClient phone = DeviceClient.connect(first.channel(), TestTokens.valid("erin", "phone"), "erin")) {
      phone.hello();
      startOfASecond();
      int admitted = 0;
      for (int i = 0; i < 2; i++) {
        admitted += send(first, "erin", room) == Status.Code.OK ? 1 : 0;
      }
      SendFrame.Builder frame = SendFrame.newBuilder();
      for (int i = 0; i < 3; i++) {
        frame.addEvents(text(room, "from the phone " + i).getEvent().toBuilder().setRoomId(room));
      }
      phone.send(ConnectRequest.newBuilder().setFrameId("s").setSend(frame));
      ServerEvent limited = phone.await(e -> e.hasError() && e.getError().getCode() == ErrorCode.ERROR_CODE_RATE_LIMITED, "the stream's send refused by the profile's rate");
      assertTrue(limited.getError().getMessage().contains("MAX_PROFILE_EVENTS_PER_SECOND"), limited.toString());
      assertEquals(2, admitted, "the calls came first");
      assertEquals(Status.Code.OK, send(first, "frank", room), "another profile is not affected");
    }
  }

  @Test
  void theBudgetIsSharedByEveryGateway() {
    String roomOnFirst = first.createRoom("grace");
    String roomOnSecond = second.createRoom("grace");
    startOfASecond();
    String key = RedisChannels.profileRate("grace", System.currentTimeMillis() / 1000);
    for (int i = 0; i < 3; i++) {
      assertEquals(Status.Code.OK, send(first, "grace", roomOnFirst));
    }
    // The first gateway counts in Redis without waiting for the answers: wait until its three landed.
    try (RedisConnector reader = RedisConnector.connect(RedisTarget.parse(redis.cacheUri()), Duration.ofSeconds(2))) {
      awaitCount(reader, key, 3, "the first gateway's three events counted in Redis");
      // The second gateway admitted nothing of grace's itself; the count in Redis stops her there
      // too, after what it admitted while its first count was on its way. Each admitted send is
      // let land in Redis before the next, so only the answer's way back is left to race: one
      // send, two at most when that answer is slower than a send (a loaded machine).
      int admittedOnSecond = 0;
      Status.Code code;
      while ((code = send(second, "grace", roomOnSecond)) == Status.Code.OK) {
        admittedOnSecond++;
        assertTrue(admittedOnSecond <= 2, "the second gateway stops her after one round trip to Redis; it admitted " + admittedOnSecond);
        awaitCount(reader, key, 3 + admittedOnSecond, "the second gateway's count in Redis");
      }
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, code);
    }
  }

  private static void awaitCount(RedisConnector reader, String key, int expected, String what) {
    Await.until(Duration.ofSeconds(10), () -> {
      byte[] count = reader.commands().get(key).toCompletableFuture().join();
      return count != null && Integer.parseInt(new String(count, java.nio.charset.StandardCharsets.US_ASCII)) >= expected;
    }, what);
  }
}
