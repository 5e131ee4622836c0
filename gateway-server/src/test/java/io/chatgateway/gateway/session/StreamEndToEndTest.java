package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.PingFrame;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.ReadMarkerFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.ReceiptFrame;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The device stream over real sockets with generated-stub clients. */
class StreamEndToEndTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.withEnv(Map.of("TYPING_TTL_SEC", "1", "MAX_FRAME_BYTES", "2048", "MAX_CHANNELS_PER_SOCKET", "3"));

  private final List<DeviceClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(DeviceClient::close);
  }

  private DeviceClient device(String profile, String device) {
    DeviceClient client = DeviceClient.connect(gateway.channel(), TestTokens.valid(profile, device), profile + "/" + device);
    clients.add(client);
    return client;
  }

  /** A room owned by {@code owner} with {@code members}, with a fresh id. */
  private static String room(String owner, String... members) {
    return gateway.createRoom(owner, members);
  }

  private static ConnectRequest.Builder message(String roomId, String clientEventId, String text) {
    return ConnectRequest.newBuilder()
        .setFrameId(DeviceClient.frameId())
        .setSend(
            SendFrame.newBuilder()
                .addEvents(
                    RoomEvent.newBuilder()
                        .setRoomId(roomId)
                        .setType(EventType.EVENT_TYPE_MESSAGE)
                        .setClientEventId(clientEventId)
                        .setText(TextPayload.newBuilder().setText(text))));
  }

  private static boolean roomEventIn(ServerEvent event, String roomId) {
    return event.hasRoomEvent() && event.getRoomEvent().getRoomId().equals(roomId) && event.getRoomEvent().getType() == EventType.EVENT_TYPE_MESSAGE;
  }

  @Test
  void twoDevicesExchangeMessagesInOrderAndTheSendersOtherDeviceSeesThem() {
    String roomId = room("alice", "bob");
    DeviceClient alicePhone = device("alice", "phone");
    DeviceClient aliceLaptop = device("alice", "laptop");
    DeviceClient bob = device("bob", "phone");
    for (DeviceClient client : List.of(alicePhone, aliceLaptop, bob)) {
      ReadyEvent ready = client.hello();
      assertFalse(ready.getResumeToken().isEmpty());
      assertEquals(30, ready.getHeartbeatInterval().getSeconds());
      SubscribedEvent subscribed = client.subscribe(roomId);
      assertTrue(subscribed.getResults(0).getOk(), subscribed.toString());
    }
    assertEquals("alice", alicePhone.events().get(0).getReady().getProfileId());
    assertEquals("phone", alicePhone.events().get(0).getReady().getDeviceId());

    int count = 30;
    for (int i = 0; i < count; i++) {
      (i % 2 == 0 ? alicePhone : bob).send(message(roomId, "c" + i, "message " + i));
    }
    List<ServerEvent> seenByBob = bob.awaitCount(e -> roomEventIn(e, roomId), count, "room events");
    List<ServerEvent> seenByLaptop = aliceLaptop.awaitCount(e -> roomEventIn(e, roomId), count, "room events");
    for (List<ServerEvent> seen : List.of(seenByBob, seenByLaptop)) {
      for (int i = 0; i < count; i++) {
        assertEquals(i + 1, seen.get(i).getRoomEvent().getSequence(), "in sequence order, no gaps, no duplicates");
      }
    }
    List<AckEvent> acks = alicePhone.awaitCount(ServerEvent::hasAck, count / 2, "acks").stream().map(ServerEvent::getAck).toList();
    for (AckEvent ack : acks) {
      RoomEvent stored =
          seenByBob.stream().map(ServerEvent::getRoomEvent).filter(e -> e.getId().equals(ack.getEventId())).findFirst().orElseThrow();
      assertEquals(stored.getSequence(), ack.getSequence());
      assertEquals(stored.getClientEventId(), ack.getClientEventId());
      assertEquals("alice", stored.getSenderProfileId());
      assertEquals("phone", stored.getSenderDeviceId());
    }
    // Every recipient got the same encoded event.
    assertEquals(seenByBob.get(0).getId(), seenByLaptop.get(0).getId());
  }

  @Test
  void aNonMemberIsRefusedPerRoomAndOthersStillSucceed() {
    String mine = room("mallory");
    String theirs = room("alice", "bob");
    DeviceClient mallory = device("mallory", "phone");
    mallory.hello();
    SubscribedEvent subscribed = mallory.subscribe(mine, theirs, "not a valid id!");
    assertTrue(subscribed.getResults(0).getOk());
    RoomSubscriptionResult refused = subscribed.getResults(1);
    assertFalse(refused.getOk());
    assertEquals(ErrorCode.ERROR_CODE_PERMISSION_DENIED, refused.getError().getCode());
    assertEquals(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, subscribed.getResults(2).getError().getCode());

    DeviceClient alice = device("alice", "phone");
    alice.hello();
    alice.subscribe(theirs);
    alice.send(message(theirs, "x", "secret"));
    alice.await(e -> roomEventIn(e, theirs), "own echo");
    mallory.ping();
    assertTrue(mallory.matching(e -> roomEventIn(e, theirs)).isEmpty(), "nothing leaks to a refused device");

    mallory.send(message(theirs, "y", "let me in"));
    ServerEvent denied = mallory.await(e -> e.hasError() && "y".equals(e.getError().getMetaMap().get("client_event_id")), "send error");
    assertEquals(ErrorCode.ERROR_CODE_PERMISSION_DENIED, denied.getError().getCode());
    assertFalse(denied.getError().getFatal());
  }

  @Test
  void subscriptionsPerSessionAreCapped() {
    List<String> ids = List.of(room("erin"), room("erin"), room("erin"), room("erin"));
    DeviceClient erin = device("erin", "phone");
    erin.hello();
    SubscribedEvent subscribed = erin.subscribe(ids.toArray(String[]::new));
    assertEquals(List.of(true, true, true, false), subscribed.getResultsList().stream().map(RoomSubscriptionResult::getOk).toList());
    assertEquals(ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, subscribed.getResults(3).getError().getCode());
  }

  @Test
  void typingReachesOthersAndExpiresWithoutARefresh() {
    String roomId = room("alice", "bob");
    DeviceClient alice = device("alice", "phone");
    DeviceClient bob = device("bob", "phone");
    alice.hello();
    bob.hello();
    alice.subscribe(roomId);
    bob.subscribe(roomId);
    alice.send(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId(roomId).setState(TypingState.TYPING_STATE_STARTED)));
    ServerEvent started = bob.await(e -> e.hasTyping() && e.getTyping().getState() == TypingState.TYPING_STATE_STARTED, "typing started");
    assertEquals("alice", started.getTyping().getProfileId());
    assertEquals(1, started.getTyping().getExpiresIn().getSeconds());
    bob.await(e -> e.hasTyping() && e.getTyping().getState() == TypingState.TYPING_STATE_STOPPED, "typing expired (TYPING_TTL_SEC=1)");
    alice.ping();
    assertTrue(alice.matching(ServerEvent::hasTyping).isEmpty(), "the typist does not get its own typing");

    bob.send(ConnectRequest.newBuilder().setFrameId("t1").setTyping(TypingFrame.newBuilder().setRoomId("elsewhere").setState(TypingState.TYPING_STATE_STARTED)));
    assertEquals(ErrorCode.ERROR_CODE_NOT_FOUND, bob.await(e -> e.getFrameId().equals("t1") && e.hasError(), "typing outside a room").getError().getCode());
  }

  @Test
  void readMarkersAndReceiptsReachTheRoom() {
    String roomId = room("alice", "bob");
    DeviceClient alice = device("alice", "phone");
    DeviceClient bob = device("bob", "phone");
    alice.hello();
    bob.hello();
    alice.subscribe(roomId);
    bob.subscribe(roomId);
    alice.send(message(roomId, "m1", "hello"));
    long sequence = bob.await(e -> roomEventIn(e, roomId), "message").getRoomEvent().getSequence();
    bob.send(ConnectRequest.newBuilder().setReceipt(ReceiptFrame.newBuilder().setRoomId(roomId).setUpToSequence(sequence)));
    ServerEvent receipt = alice.await(ServerEvent::hasReceipt, "delivered receipt");
    assertEquals("bob", receipt.getReceipt().getProfileId());
    assertEquals(sequence, receipt.getReceipt().getUpToSequence());
    bob.send(ConnectRequest.newBuilder().setReadMarker(ReadMarkerFrame.newBuilder().setRoomId(roomId).setUpToSequence(sequence)));
    ServerEvent read = alice.await(ServerEvent::hasReadMarker, "read marker");
    assertEquals("bob", read.getReadMarker().getProfileId());
    bob.await(ServerEvent::hasReadMarker, "the reader's own devices see it too");

    bob.send(ConnectRequest.newBuilder().setFrameId("bad").setReadMarker(ReadMarkerFrame.newBuilder().setRoomId(roomId).setUpToSequence(sequence + 10)));
    assertEquals(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, bob.await(e -> e.getFrameId().equals("bad") && e.hasError(), "marker beyond the end").getError().getCode());
  }

  @Test
  void presenceGoesOnlineAndOfflineAndCarriesStatus() {
    String roomId = room("alice", "carol");
    DeviceClient alice = device("alice", "phone");
    alice.hello();
    alice.subscribe(roomId);
    DeviceClient carol = device("carol", "phone");
    carol.hello();
    SubscribedEvent joined = carol.subscribe(roomId);
    assertEquals(List.of("alice"), joined.getResults(0).getPresentList().stream().map(p -> p.getProfileId()).toList(), "who was already there");
    assertEquals(PresenceStatus.PRESENCE_STATUS_ONLINE, joined.getResults(0).getPresent(0).getStatus());
    ServerEvent online = alice.await(e -> e.hasPresence() && e.getPresence().getProfileId().equals("carol"), "carol online");
    assertEquals(PresenceStatus.PRESENCE_STATUS_ONLINE, online.getPresence().getStatus());
    carol.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_AWAY).setStatusText("lunch")));
    ServerEvent away = alice.await(e -> e.hasPresence() && e.getPresence().getStatus() == PresenceStatus.PRESENCE_STATUS_AWAY, "carol away");
    assertEquals("lunch", away.getPresence().getStatusText());
    carol.close();
    alice.await(e -> e.hasPresence() && e.getPresence().getProfileId().equals("carol") && e.getPresence().getStatus() == PresenceStatus.PRESENCE_STATUS_OFFLINE, "carol offline after her last device left");
  }

  @Test
  void aSecondConnectionOfTheSameDeviceReplacesTheFirstWithAReason() {
    DeviceClient first = device("dave", "phone");
    first.hello();
    DeviceClient second = device("dave", "phone");
    second.hello();
    ServerEvent reconnect = first.await(ServerEvent::hasReconnect, "reconnect frame");
    assertEquals(ReconnectReason.RECONNECT_REASON_REPLACED, reconnect.getReconnect().getReason());
    ServerEvent error = first.await(ServerEvent::hasError, "error frame");
    assertEquals(ErrorCode.ERROR_CODE_REPLACED, error.getError().getCode());
    assertTrue(error.getError().getFatal());
    Status status = first.awaitClosed();
    assertEquals(Status.Code.ABORTED, status.getCode());
    assertTrue(status.getDescription().contains("replaced"), status.toString());
    second.ping();
    assertEquals(null, second.closedWith(), "the newer connection lives on");
    DeviceClient otherDevice = device("dave", "laptop");
    otherDevice.hello();
    second.ping();
    assertEquals(null, second.closedWith(), "another device of the same profile is not a duplicate");
  }

  @Test
  void anOversizedFrameGetsAClearErrorAndTheStreamLivesOn() {
    DeviceClient client = device("frank", "phone");
    client.hello();
    client.send(message("some-room", "big", "x".repeat(4_000)).setFrameId("big"));
    ServerEvent error = client.await(e -> e.getFrameId().equals("big") || (e.hasError() && e.getError().getCode() == ErrorCode.ERROR_CODE_FRAME_TOO_LARGE), "frame too large");
    assertEquals(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, error.getError().getCode());
    assertTrue(error.getError().getMessage().contains("2048"), error.getError().getMessage());
    client.ping();
  }

  @Test
  void aStreamThatDoesNotStartWithHelloIsClosedWithAClearError() {
    DeviceClient client = device("gina", "phone");
    client.send(ConnectRequest.newBuilder().setFrameId("p").setPing(PingFrame.getDefaultInstance()));
    ServerEvent error = client.await(ServerEvent::hasError, "hello required");
    assertEquals(ErrorCode.ERROR_CODE_HELLO_REQUIRED, error.getError().getCode());
    assertEquals("p", error.getFrameId());
    assertTrue(error.getError().getFatal());
    assertEquals(Status.Code.FAILED_PRECONDITION, client.awaitClosed().getCode());

    DeviceClient twice = device("gina", "laptop");
    twice.hello();
    twice.send(ConnectRequest.newBuilder().setFrameId("h2").setHello(HelloFrame.getDefaultInstance()));
    assertEquals(ErrorCode.ERROR_CODE_HELLO_REQUIRED, twice.await(e -> e.getFrameId().equals("h2"), "second hello").getError().getCode());
    twice.ping();

    twice.send(ConnectRequest.newBuilder().setFrameId("empty"));
    assertEquals(ErrorCode.ERROR_CODE_INVALID_FRAME, twice.await(e -> e.getFrameId().equals("empty"), "empty frame").getError().getCode());
    twice.ping();
  }

  @Test
  void removalAndDeletionEndTheSubscriptionAndTheDeviceIsTold() {
    String roomId = room("alice", "bob");
    DeviceClient bob = device("bob", "tablet");
    bob.hello();
    bob.subscribe(roomId);
    gateway.as("alice").removeRoomSubscriptions(RemoveRoomSubscriptionsRequest.newBuilder().setRoomId(roomId).addProfileIds("bob").build());
    ServerEvent revoked = bob.await(ServerEvent::hasUnsubscribed, "unsubscribed");
    assertEquals(UnsubscribeReason.UNSUBSCRIBE_REASON_MEMBERSHIP_REVOKED, revoked.getUnsubscribed().getReason());
    DeviceClient alice = device("alice", "tablet");
    alice.hello();
    alice.subscribe(roomId);
    alice.send(message(roomId, "after", "bob is gone"));
    alice.await(e -> roomEventIn(e, roomId), "own echo");
    bob.ping();
    assertTrue(bob.matching(e -> roomEventIn(e, roomId)).isEmpty(), "no events after removal");

    gateway.as("alice").deleteRoom(DeleteRoomRequest.newBuilder().setRoomId(roomId).build());
    ServerEvent deleted = alice.await(ServerEvent::hasUnsubscribed, "room deleted");
    assertEquals(UnsubscribeReason.UNSUBSCRIBE_REASON_ROOM_DELETED, deleted.getUnsubscribed().getReason());
  }

  @Test
  void aResumeTokenBringsTheRoomsBack() {
    String roomId = room("hank");
    ReadyEvent ready = subscribedThenGone("hank", roomId);
    DeviceClient after = device("hank", "phone");
    ReadyEvent resumed = after.hello(HelloFrame.newBuilder().setResumeToken(ready.getResumeToken()).build());
    assertEquals(List.of(roomId), resumed.getResumedRoomIdsList());
    SubscribedEvent subscribed = after.await(ServerEvent::hasSubscribed, "resubscribed").getSubscribed();
    assertTrue(subscribed.getResults(0).getOk());

    DeviceClient thief = device("ivan", "phone");
    assertEquals(0, thief.hello(HelloFrame.newBuilder().setResumeToken(resumed.getResumeToken()).build()).getResumedRoomIdsCount());
  }

  @Test
  void aForeignResumeTokenLeavesTheOwnersResumeIntact() {
    String roomId = room("olga");
    ReadyEvent ready = subscribedThenGone("olga", roomId);

    DeviceClient thief = device("mallory", "phone");
    assertEquals(0, thief.hello(HelloFrame.newBuilder().setResumeToken(ready.getResumeToken()).build()).getResumedRoomIdsCount(), "nothing for the thief");
    DeviceClient after = device("olga", "phone");
    assertEquals(List.of(roomId), after.hello(HelloFrame.newBuilder().setResumeToken(ready.getResumeToken()).build()).getResumedRoomIdsList(), "the owner's resume still works");
  }

  /** A session of {@code profile} that subscribed to {@code roomId} and was cancelled; its ready event. */
  private ReadyEvent subscribedThenGone(String profile, String roomId) {
    DeviceClient before = device(profile, "phone");
    ReadyEvent ready = before.hello();
    before.subscribe(roomId);
    before.close();
    assertEquals(Status.Code.CANCELLED, before.awaitClosed().getCode());
    // The server cleans up after the cancel on its own executor; the last step is presence going offline.
    Await.until(Duration.ofSeconds(10), () -> !gateway.server().sessions().presence().isOnline(profile), profile + "'s session cleaned up");
    return ready;
  }
}
