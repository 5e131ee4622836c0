package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.PingFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rate limits, idle reaping, presence expiry and token expiry, each with short clocks. */
class StreamLimitsEndToEndTest {

  @RegisterExtension
  static final GatewayExtension limited =
      // Presence changes gathered for 100 ms, well under the 1 s TTL, so a return and the next
      // expiry a second later are never coalesced into one.
      GatewayExtension.withEnv(Map.of("MAX_EVENTS_PER_SECOND", "5", "PRESENCE_TTL_SECONDS", "1", "PRESENCE_COALESCE_MS", "100"));

  @RegisterExtension
  static final GatewayExtension shortClocks =
      GatewayExtension.withEnv(Map.of("CONNECTION_TIMEOUT_SEC", "2", "HEARTBEAT_INTERVAL_SEC", "1"));

  /** No skew and an idle timeout far beyond the token's life, so expiry is the only clock that can end a stream. */
  @RegisterExtension
  static final GatewayExtension exactExpiry = GatewayExtension.withEnv(Map.of("CONNECTION_TIMEOUT_SEC", "60", "JWT_CLOCK_SKEW_SEC", "0"));

  private final List<DeviceClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(DeviceClient::close);
  }

  private DeviceClient device(GatewayExtension gateway, String token, String name) {
    DeviceClient client = DeviceClient.connect(gateway.channel(), token, name);
    clients.add(client);
    return client;
  }

  @Test
  void aFloodIsRateLimitedAndAKeptUpFloodIsClosed() {
    DeviceClient client = device(limited, TestTokens.valid("flooder", "phone"), "flooder");
    client.hello();
    for (int i = 0; i < 12; i++) {
      client.send(ConnectRequest.newBuilder().setFrameId("p" + i).setPing(PingFrame.getDefaultInstance()));
    }
    // The bucket holds 2 x 5 frames: the first ten pass, then frames are refused with a reason.
    ServerEvent limitedFrame = client.await(e -> e.hasError() && e.getError().getCode() == ErrorCode.ERROR_CODE_RATE_LIMITED, "rate limited");
    assertTrue(limitedFrame.getError().getMessage().contains("5 frames per second"), limitedFrame.toString());
    assertEquals(false, limitedFrame.getError().getFatal());
    assertEquals(10, client.matching(ServerEvent::hasPong).size());
    assertNull(client.closedWith(), "a short burst is not fatal");

    for (int i = 0; i < 40; i++) {
      client.send(ConnectRequest.newBuilder().setPing(PingFrame.getDefaultInstance()));
    }
    Status closed = client.awaitClosed();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, closed.getCode());
    assertTrue(client.matching(e -> e.hasError() && e.getError().getFatal()).size() == 1, client.events().toString());
  }

  @Test
  void presenceExpiresWithoutHeartbeatsAndComesBackWithActivity() {
    String roomId =
        limited.as("watcher").createRoom(
                CreateRoomRequest.newBuilder().setName("presence").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("sleepy")).build())
            .getRoom()
            .getId();
    DeviceClient watcher = device(limited, TestTokens.valid("watcher", "phone"), "watcher");
    watcher.hello();
    watcher.subscribe(roomId);
    DeviceClient sleepy = device(limited, TestTokens.valid("sleepy", "phone"), "sleepy");
    sleepy.hello();
    sleepy.subscribe(roomId);
    watcher.await(e -> isPresence(e, "sleepy", PresenceStatus.PRESENCE_STATUS_ONLINE), "sleepy online");
    watcher.await(e -> isPresence(e, "sleepy", PresenceStatus.PRESENCE_STATUS_OFFLINE), "sleepy offline after PRESENCE_TTL_SECONDS=1 without frames");
    assertNull(sleepy.closedWith(), "expired presence does not close the stream");
    int onlineBefore = watcher.matching(e -> isPresence(e, "sleepy", PresenceStatus.PRESENCE_STATUS_ONLINE)).size();
    sleepy.ping();
    watcher.awaitCount(e -> isPresence(e, "sleepy", PresenceStatus.PRESENCE_STATUS_ONLINE), onlineBefore + 1, "sleepy back online after a ping");
  }

  @Test
  void idleSessionsAreReaped() {
    // Over a real stream; that activity keeps a session open, minute by minute, is SessionCoreTest's.
    DeviceClient idle = device(shortClocks, TestTokens.valid("idle", "phone"), "idle");
    idle.hello();
    Status idleStatus = idle.awaitClosed();
    assertEquals(Status.Code.DEADLINE_EXCEEDED, idleStatus.getCode());
    assertEquals(ErrorCode.ERROR_CODE_IDLE_TIMEOUT, idle.await(ServerEvent::hasError, "idle error").getError().getCode());

    DeviceClient silent = device(shortClocks, TestTokens.valid("mute", "phone"), "mute");
    Status neverHello = silent.awaitClosed();
    assertEquals(Status.Code.DEADLINE_EXCEEDED, neverHello.getCode(), "no hello within the timeout");
  }

  @Test
  void anExpiredTokenEndsTheStream() {
    // exp is in whole seconds: three from now leaves at least two for a loaded machine to connect and say hello
    // (with one, a slow CI connect met an already expired token). Refreshing is SessionCoreTest's.
    String shortLived = TestTokens.hs256(TestTokens.claims("temp", "phone").expirationTime(Date.from(Instant.now().plusSeconds(3))));
    DeviceClient expiring = device(exactExpiry, shortLived, "expiring");
    expiring.hello();
    Status status = expiring.awaitClosed();
    assertEquals(Status.Code.UNAUTHENTICATED, status.getCode());
    assertTrue(status.getDescription().contains("expired"), status.toString());
  }

  private static boolean isPresence(ServerEvent event, String profile, PresenceStatus status) {
    return event.hasPresence() && event.getPresence().getProfileId().equals(profile) && event.getPresence().getStatus() == status;
  }
}
