package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetPresenceRequest;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.SubscriptionSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GetPresence} asked of one gateway about users connected to others, through a real Redis:
 * status and text as their own gateway published them, rooms whose presence is not pushed listing
 * members joined elsewhere, and last-seen after the user left.
 */
class GetPresenceAcrossGatewaysTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  static ThreeGateways cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = ThreeGateways.start(redis.cacheUri(), Map.of("PRESENCE_PUSH_MAX_MEMBERS", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  @Test
  void aGatewayAnswersForUsersOnOtherGateways() {
    String room =
        cluster.as(0, "olga").createRoom(CreateRoomRequest.newBuilder().setName("big")
                .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("nina"))
                .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("omar"))
                .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("asker")).build())
            .getRoom().getId();
    DeviceClient nina = cluster.device(0, "nina", "phone");
    nina.hello();
    assertTrue(nina.subscribe(room).getResults(0).getPresenceOnRequest());
    nina.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_BUSY).setStatusText("in a meeting")));
    DeviceClient omar = cluster.device(1, "omar", "phone");
    omar.hello();
    omar.subscribe(room);

    Await.until(Duration.ofSeconds(10), () -> {
      List<PresenceEvent> answer = profiles(2, "nina", "omar");
      return answer.get(0).getStatus() == PresenceStatus.PRESENCE_STATUS_BUSY && answer.get(1).getStatus() == PresenceStatus.PRESENCE_STATUS_ONLINE;
    }, () -> "gw-c's answer for nina (gw-a) and omar (gw-b): " + profiles(2, "nina", "omar"));
    assertEquals("in a meeting", profiles(2, "nina").get(0).getStatusText());

    Await.until(Duration.ofSeconds(10), () -> present(2, room).size() == 2, () -> "the room's present members from gw-c: " + present(2, room));
    assertEquals(List.of("nina", "omar"), present(2, room).stream().map(PresenceEvent::getProfileId).sorted().toList());

    long beforeLeaving = System.currentTimeMillis();
    nina.close();
    Await.until(Duration.ofSeconds(10), () -> profiles(2, "nina").get(0).getStatus() == PresenceStatus.PRESENCE_STATUS_OFFLINE, "nina offline on gw-c");
    PresenceEvent gone = profiles(2, "nina").get(0);
    assertTrue(Timestamps.toMillis(gone.getLastSeenTime()) >= beforeLeaving - 5_000, "last seen when she left: " + gone);
    assertEquals(List.of("omar"), present(2, room).stream().map(PresenceEvent::getProfileId).toList(), "she is no longer present in the room");
  }

  private static List<PresenceEvent> profiles(int gateway, String... ids) {
    return cluster.as(gateway, "asker").getPresence(GetPresenceRequest.newBuilder().addAllProfileIds(List.of(ids)).build()).getPresencesList();
  }

  private static List<PresenceEvent> present(int gateway, String room) {
    return cluster.as(gateway, "asker").getPresence(GetPresenceRequest.newBuilder().setRoomId(room).build()).getPresencesList();
  }
}
