package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.NotifyProfilesRequest;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeReason;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.UserNotice;
import io.grpc.Status;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three gateways and a shared core on one real Redis. */
class MultiGatewayRedisTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  static ThreeGateways cluster;
  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;
  static RedisCommands<String, String> inspect;

  @BeforeAll
  static void start() throws Exception {
    cluster = ThreeGateways.start(redis.cacheUri(), Map.of());
    client = RedisClient.create(redis.cacheUri());
    connection = client.connect();
    inspect = connection.sync();
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    connection.close();
    client.shutdown();
  }

  @Test
  void devicesOnThreeGatewaysGetEveryEventAndTheHashesFollowThemInAndOut() {
    List<DeviceClient> devices = FanoutScenario.everyDeviceGetsEveryEventInOrderOnce(cluster, "spread", 30);

    for (String id : ThreeGateways.IDS) {
      Map<String, String> conns = inspect.hgetall("chat:gw:{" + id + "}:conns");
      assertEquals(2, conns.size(), id + " holds two devices: " + conns);
      assertTrue(conns.values().iterator().next().contains("\"transport\":\"grpc\""), conns.toString());
      assertEquals("2", inspect.hget("chat:gw:{" + id + "}:rooms", "spread"), id + " has two local subscribers");
      assertTrue(inspect.zscore("chat:gateways", id) != null, id + " is registered");
    }
    assertEquals("gw-b", inspect.get("chat:device:{spread-user-1}:phone"), "the device index knows where each device is");

    devices.forEach(DeviceClient::close);
    for (String id : ThreeGateways.IDS) {
      Await.until(Duration.ofSeconds(10), () -> inspect.hlen("chat:gw:{" + id + "}:conns") == 0 && inspect.hlen("chat:gw:{" + id + "}:rooms") == 0, id + "'s hashes empty out");
    }
    Await.until(Duration.ofSeconds(10), () -> inspect.exists("chat:device:{spread-user-1}:phone") == 0, "device index entry removed");
  }

  @Test
  void aFollowerOnOneGatewayIsSubscribedToARoomItWasAddedToThroughAnother() {
    String room = cluster.as(0, "hana").createRoom(CreateRoomRequest.newBuilder().setName("later").build()).getRoom().getId();
    DeviceClient follower = cluster.device(1, "ivo", "phone");
    follower.hello(HelloFrame.newBuilder().addCapabilities("follow_rooms").build());
    // The profile's channel is subscribed on gw-b once the session is past hello: wait until Redis has it.
    Await.until(Duration.ofSeconds(10), () -> inspect.pubsubChannels("chat:user:{ivo}").size() == 1, "gw-b listens to ivo's channel");
    cluster.as(0, "hana").addRoomSubscriptions(AddRoomSubscriptionsRequest.newBuilder()
        .setRoomId(room).addMembers(SubscriptionSpec.newBuilder().setProfileId("ivo")).build());
    ServerEvent added = follower.await(e -> e.hasSubscribed() && e.getSubscribed().getReason() == SubscribeReason.SUBSCRIBE_REASON_ADDED_TO_ROOM,
        "subscribed on gw-b after being added through gw-a");
    assertEquals(room, added.getSubscribed().getResults(0).getRoomId());
    assertTrue(added.getSubscribed().getResults(0).getOk());
    cluster.as(2, "hana").sendEvent(SendEventRequest.newBuilder().setRoomId(room)
        .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE)
            .setText(TextPayload.newBuilder().setText("hi ivo"))).build());
    follower.await(e -> e.hasRoomEvent() && e.getRoomEvent().getText().getText().equals("hi ivo"), "the room's message, sent through gw-c");
    follower.close();
    Await.until(Duration.ofSeconds(10), () -> inspect.pubsubChannels("chat:user:{ivo}").isEmpty(), "the profile's channel dropped with its last session");
    Await.until(Duration.ofSeconds(10), () -> !inspect.hkeys("chat:gw:{gw-b}:conns").contains("ivo:phone"), "ivo's device gone from gw-b's hash");
  }

  @Test
  void aNoticeSentThroughOneGatewayReachesTheUsersDevicesOnOthers() {
    DeviceClient onB = cluster.device(1, "nora", "phone");
    onB.hello();
    DeviceClient onC = cluster.device(2, "nora", "laptop");
    onC.hello();
    Await.until(Duration.ofSeconds(10), () -> inspect.pubsubNumsub("chat:user:{nora}").get("chat:user:{nora}") == 2, "gw-b and gw-c listen to nora's channel");
    String token = TestTokens.hs256(
        TestTokens.claims("reminders", null).claim("scope", "chat.service").claim("client_id", "reminders-client"));
    ChatServiceGrpc.newBlockingStub(cluster.channels.get(0)).withCallCredentials(BearerCredentials.of(token))
        .notifyProfiles(NotifyProfilesRequest.newBuilder().addProfileIds("nora")
            .setNotice(UserNotice.newBuilder().setKind("reminder").setText("stand-up in 5")).build());
    for (DeviceClient device : List.of(onB, onC)) {
      assertEquals("stand-up in 5", device.await(ServerEvent::hasNotice, "the notice on another gateway").getNotice().getText());
      device.close();
    }
    // Gone from the gateways' hashes before the other tests count theirs.
    Await.until(Duration.ofSeconds(10),
        () -> !inspect.hkeys("chat:gw:{gw-b}:conns").contains("nora:phone") && !inspect.hkeys("chat:gw:{gw-c}:conns").contains("nora:laptop"), "nora's devices gone");
  }

  @Test
  void aDuplicateDeviceOnAnotherGatewayClosesTheOldOne() {
    DeviceClient first = cluster.device(0, "dup", "phone");
    first.hello();
    DeviceClient second = cluster.device(1, "dup", "phone");
    second.hello();
    ServerEvent reconnect = first.await(ServerEvent::hasReconnect, "reconnect from gw-a after the device appeared on gw-b");
    assertEquals(ReconnectReason.RECONNECT_REASON_REPLACED, reconnect.getReconnect().getReason());
    assertEquals(ErrorCode.ERROR_CODE_REPLACED, first.await(ServerEvent::hasError, "replaced").getError().getCode());
    assertEquals(Status.Code.ABORTED, first.awaitClosed().getCode());
    second.ping();
    assertEquals(null, second.closedWith());
    assertEquals("gw-b", inspect.get("chat:device:{dup}:phone"));
  }

  @Test
  void aUserIsOfflineOnlyWhenNoGatewayHoldsAnyOfTheirDevices() {
    cluster.as(0, "watcher").createRoom(
        CreateRoomRequest.newBuilder().setRoomId("presence-x").setName("p").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("roamer")).build());
    DeviceClient watcher = cluster.device(2, "watcher", "phone");
    watcher.hello();
    watcher.subscribe("presence-x");
    DeviceClient phone = cluster.device(0, "roamer", "phone");
    phone.hello();
    phone.subscribe("presence-x");
    DeviceClient laptop = cluster.device(1, "roamer", "laptop");
    laptop.hello();
    laptop.subscribe("presence-x");
    watcher.await(e -> isPresence(e, PresenceStatus.PRESENCE_STATUS_ONLINE), "roamer online");
    Await.until(Duration.ofSeconds(10), () -> inspect.zcard("chat:presence:{roamer}") == 2, "presence on two gateways");

    phone.close();
    Await.until(Duration.ofSeconds(10), () -> inspect.hget("chat:gw:{gw-a}:conns", "roamer:phone") == null, "phone gone from gw-a");
    watcher.ping();
    laptop.ping();
    watcher.ping();
    assertTrue(watcher.matching(e -> isPresence(e, PresenceStatus.PRESENCE_STATUS_OFFLINE)).isEmpty(), "still online through the laptop on gw-b");

    laptop.close();
    watcher.await(e -> isPresence(e, PresenceStatus.PRESENCE_STATUS_OFFLINE), "offline once the last device left");
  }

  private static boolean isPresence(ServerEvent event, PresenceStatus status) {
    return event.hasPresence() && event.getPresence().getProfileId().equals("roamer") && event.getPresence().getStatus() == status;
  }
}
