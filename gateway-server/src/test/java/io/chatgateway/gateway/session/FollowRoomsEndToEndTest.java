package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeReason;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.UnsubscribeReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Devices that follow their rooms ({@code follow_rooms}) over real gRPC streams: every room of the
 * profile without subscribing, rooms joined later subscribed as they are joined, rooms left ended
 * with the reason, thousands of rooms, and a clear error beyond MAX_FOLLOWED_ROOMS.
 */
class FollowRoomsEndToEndTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  @RegisterExtension static final GatewayExtension fewRooms = GatewayExtension.withEnv(Map.of("MAX_FOLLOWED_ROOMS", "3"));

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void aFollowingDeviceHasEveryRoomOfItsProfileAndFollowsMembership() {
    String first = gateway.createRoom("olive", "fay");
    String second = gateway.createRoom("olive", "fay");
    String notHers = gateway.createRoom("olive", "gus");
    DeviceClient olive = connections.device(TestTokens.valid("olive", "laptop"), "olive");
    olive.hello();
    olive.subscribe(first, second); // present in both of fay's rooms
    DeviceClient fay = connections.device(TestTokens.valid("fay", "phone"), "fay");
    fay.hello(follow());
    assertEquals(new TreeSet<>(List.of(first, second)), okRooms(fay, SubscribeReason.SUBSCRIBE_REASON_FOLLOWED, 2), "her rooms, not " + notHers);
    assertTrue(fay.matching(ServerEvent::hasSubscribed).stream().flatMap(e -> e.getSubscribed().getResultsList().stream()).allMatch(r -> r.getPresentCount() == 0),
        "followed rooms' results carry no snapshot");
    fay.await(e -> e.hasPresence() && e.getPresence().getProfileId().equals("olive"), "olive's presence after the answer");
    assertEquals(1, fay.matching(e -> e.hasPresence() && e.getPresence().getProfileId().equals("olive")).size(), "once, though she is in both rooms");
    gateway.sendText("olive", first, "hello fay");
    fay.await(e -> isMessage(e, first, "hello fay"), "a message in a followed room");

    // Added after connecting: subscribed, told, and live.
    gateway.as("olive").addRoomSubscriptions(
        AddRoomSubscriptionsRequest.newBuilder().setRoomId(notHers).addMembers(SubscriptionSpec.newBuilder().setProfileId("fay")).build());
    assertEquals(new TreeSet<>(List.of(notHers)), okRooms(fay, SubscribeReason.SUBSCRIBE_REASON_ADDED_TO_ROOM, 1));
    gateway.sendText("olive", notHers, "welcome");
    fay.await(e -> isMessage(e, notHers, "welcome"), "a message in the room she was added to");

    // A room created with her in it counts as added too.
    String created = gateway.as("olive").createRoom(CreateRoomRequest.newBuilder().setName("new")
        .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("fay")).build()).getRoom().getId();
    assertTrue(okRooms(fay, SubscribeReason.SUBSCRIBE_REASON_ADDED_TO_ROOM, 2).contains(created));

    // Removed: the subscription ends with the reason, and nothing more of the room arrives.
    gateway.as("olive").removeRoomSubscriptions(RemoveRoomSubscriptionsRequest.newBuilder().setRoomId(first).addProfileIds("fay").build());
    ServerEvent ended = fay.await(e -> e.hasUnsubscribed() && e.getUnsubscribed().getResults(0).getRoomId().equals(first), "unsubscribed from the room she left");
    assertEquals(UnsubscribeReason.UNSUBSCRIBE_REASON_MEMBERSHIP_REVOKED, ended.getUnsubscribed().getReason());
    gateway.sendText("olive", first, "after she left");
    gateway.sendText("olive", second, "still here");
    fay.await(e -> isMessage(e, second, "still here"), "a message of a room she still follows");
    assertTrue(fay.matching(e -> isMessage(e, first, "after she left")).isEmpty(), "nothing of the room she left");
    // Deleted: the subscription ends with that reason.
    gateway.as("olive").deleteRoom(DeleteRoomRequest.newBuilder().setRoomId(second).build());
    ServerEvent deleted = fay.await(e -> e.hasUnsubscribed() && e.getUnsubscribed().getResults(0).getRoomId().equals(second), "unsubscribed from the deleted room");
    assertEquals(UnsubscribeReason.UNSUBSCRIBE_REASON_ROOM_DELETED, deleted.getUnsubscribed().getReason());
    assertNull(fay.closedWith());

    // A device that does not follow gets none of this.
    DeviceClient plain = connections.device(TestTokens.valid("fay", "tablet"), "fay-tablet");
    plain.hello();
    gateway.as("olive").addRoomSubscriptions(
        AddRoomSubscriptionsRequest.newBuilder().setRoomId(gateway.createRoom("olive")).addMembers(SubscriptionSpec.newBuilder().setProfileId("fay")).build());
    assertEquals(3, okRooms(fay, SubscribeReason.SUBSCRIBE_REASON_ADDED_TO_ROOM, 3).size(), "the follower gets the third room");
    assertTrue(plain.matching(ServerEvent::hasSubscribed).isEmpty(), "the plain device subscribes nothing by itself");
  }

  @Test
  void positionsApplyToFollowedRooms() {
    String kept = gateway.createRoom("olive", "pia");
    String fresh = gateway.createRoom("olive", "pia");
    for (int i = 1; i <= 3; i++) {
      gateway.sendText("olive", kept, "kept " + i);
      gateway.sendText("olive", fresh, "fresh " + i);
    }
    DeviceClient pia = connections.device(TestTokens.valid("pia", "phone"), "pia");
    // She holds the first event of one room; the other she has never seen.
    pia.hello(follow().toBuilder().putPositions(kept, 1).build());
    pia.awaitCount(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(kept), 2, "the two events after her position");
    assertEquals(List.of(2L, 3L), pia.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(kept)).stream().map(e -> e.getRoomEvent().getSequence()).toList());
    assertEquals(new TreeSet<>(List.of(fresh)), okRooms(pia, SubscribeReason.SUBSCRIBE_REASON_FOLLOWED, 1), "the room without a position is followed from its newest event");
    gateway.sendText("olive", fresh, "fresh 4");
    pia.await(e -> isMessage(e, fresh, "fresh 4"), "live events of the followed room");
    assertTrue(pia.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(fresh) && e.getRoomEvent().getSequence() < 4).isEmpty(),
        "no history of a room followed without a position");
  }

  @Test
  void oneDeviceFollowsTwoThousandRooms() {
    int count = 2_000;
    List<String> rooms = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rooms.add(gateway.as("host").createRoom(
          CreateRoomRequest.newBuilder().setRoomId(String.format("many-%04d", i)).setName("r" + i).addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("many"))
              .build()).getRoom().getId());
    }
    DeviceClient many = connections.device(TestTokens.valid("many", "phone"), "many");
    many.hello(follow());
    assertEquals(new TreeSet<>(rooms), okRooms(many, SubscribeReason.SUBSCRIBE_REASON_FOLLOWED, count));
    assertTrue(many.matching(ServerEvent::hasError).isEmpty(), many.matching(ServerEvent::hasError).toString());
    gateway.sendText("host", rooms.get(count - 1), "to the last");
    many.await(e -> isMessage(e, rooms.get(count - 1), "to the last"), "a message in the last of 2,000 rooms");
  }

  @Test
  void beyondMaxFollowedRoomsTheDeviceIsToldAndFollowsTheFirst() {
    List<String> rooms = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rooms.add(fewRooms.as("host").createRoom(
          CreateRoomRequest.newBuilder().setRoomId("capped-" + i).setName("r" + i).addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("capped"))
              .build()).getRoom().getId());
    }
    try (DeviceClient capped = DeviceClient.connect(fewRooms.channel(), TestTokens.valid("capped", "phone"), "capped")) {
      capped.hello(follow());
      ServerEvent told = capped.await(ServerEvent::hasError, "told of the cap");
      assertEquals(ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, told.getError().getCode());
      assertFalse(told.getError().getFatal());
      assertTrue(told.getError().getMessage().contains("MAX_FOLLOWED_ROOMS"), told.getError().getMessage());
      assertEquals(new TreeSet<>(rooms.subList(0, 3)), okRooms(capped, SubscribeReason.SUBSCRIBE_REASON_FOLLOWED, 3), "the first three by id");
    }
  }

  private static HelloFrame follow() {
    return HelloFrame.newBuilder().addCapabilities(DeviceSession.FOLLOW_ROOMS_CAPABILITY).addCapabilities(DeviceSession.BATCH_CAPABILITY).build();
  }

  /** Waits for {@code count} rooms subscribed with {@code reason}, and returns them. */
  private static TreeSet<String> okRooms(DeviceClient device, SubscribeReason reason, int count) {
    device.awaitCount(e -> e.hasSubscribed() && e.getSubscribed().getReason() == reason, 1, "subscribed with " + reason);
    TreeSet<String> rooms = new TreeSet<>();
    Await.until(Duration.ofSeconds(30), () -> {
      rooms.clear();
      for (ServerEvent event : device.matching(e -> e.hasSubscribed() && e.getSubscribed().getReason() == reason)) {
        for (RoomSubscriptionResult result : event.getSubscribed().getResultsList()) {
          assertTrue(result.getOk(), result.toString());
          rooms.add(result.getRoomId());
        }
      }
      return rooms.size() >= count;
    }, () -> "waiting for " + count + " rooms subscribed with " + reason + ", have " + rooms.size());
    return rooms;
  }

  private static boolean isMessage(ServerEvent event, String room, String text) {
    return event.hasRoomEvent() && event.getRoomEvent().getRoomId().equals(room) && event.getRoomEvent().getText().getText().equals(text);
  }
}
