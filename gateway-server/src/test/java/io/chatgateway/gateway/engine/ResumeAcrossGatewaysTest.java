package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resume state in Redis, over real sockets: a resume token issued by one gateway works on another
 * and brings back what was published meanwhile; a send retried with its client_event_id through
 * another gateway is acked with the stored event, never stored twice; a WebSocket device resumes
 * from its positions like a gRPC one.
 */
class ResumeAcrossGatewaysTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  static ThreeGateways cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = ThreeGateways.start(redis.cacheUri(), Map.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String room(String id, String... members) {
    CreateRoomRequest.Builder request = CreateRoomRequest.newBuilder().setRoomId(id).setName(id);
    for (String member : members) {
      request.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId(member));
    }
    return cluster.as(0, "owner").createRoom(request.build()).getRoom().getId();
  }

  private static void send(int gateway, String room, String text) {
    cluster.as(gateway, "owner").sendEvent(
        io.chatgateway.proto.v1.SendEventRequest.newBuilder()
            .setRoomId(room)
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text)))
            .build());
  }

  private static List<Long> sequences(List<ServerEvent> events, String room) {
    return events.stream().filter(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(room)).map(e -> e.getRoomEvent().getSequence()).toList();
  }

  @Test
  void aResumeTokenFromOneGatewayWorksOnAnotherAndBringsWhatWasMissed() throws Exception {
    String room = room("travel", "tess");
    DeviceClient first = cluster.device(0, "tess", "phone");
    ReadyEvent ready = first.hello();
    first.subscribe(room);
    send(1, room, "one");
    send(1, room, "two");
    first.awaitCount(e -> e.hasRoomEvent(), 2, "two events");
    long position = sequences(first.events(), room).get(1);
    // The gateway records the session's positions every 2 s: wait for the record, as a crash could
    // come any time after it.
    try (RedisClient client = RedisClient.create(redis.cacheUri());
        StatefulRedisConnection<String, String> connection = client.connect()) {
      String key = "chat:resume:{" + ready.getResumeToken() + "}";
      Await.until(
          DeviceClient.WAIT,
          () -> {
            String record = connection.sync().get(key);
            return record != null && record.contains(room + " " + position);
          },
          "the resume record with the position in Redis");
    }
    first.close(); // the device goes away; the next events are published while it is gone
    send(2, room, "three");
    send(2, room, "four");

    DeviceClient back = cluster.device(2, "tess", "phone");
    ReadyEvent resumed = back.hello(HelloFrame.newBuilder().setResumeToken(ready.getResumeToken()).build());
    assertEquals(List.of(room), resumed.getResumedRoomIdsList());
    ServerEvent subscribed = back.await(ServerEvent::hasSubscribed, "subscribed");
    assertTrue(subscribed.getSubscribed().getResults(0).getRecovered());
    assertEquals(position, subscribed.getSubscribed().getResults(0).getPosition());
    back.awaitCount(ServerEvent::hasRoomEvent, 2, "what was missed");
    send(0, room, "five");
    back.awaitCount(ServerEvent::hasRoomEvent, 3, "the live one");
    assertEquals(List.of(position + 1, position + 2, position + 3), sequences(back.events(), room));
  }

  @Test
  void aSendRetriedThroughAnotherGatewayIsStoredOnce() throws Exception {
    String room = room("retry", "rhea");
    RoomEvent event =
        RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("rhea-1").setText(TextPayload.newBuilder().setText("once")).build();
    DeviceClient onA = cluster.device(0, "rhea", "phone");
    onA.hello();
    onA.send(ConnectRequest.newBuilder().setFrameId("s1").setSend(SendFrame.newBuilder().addEvents(event)));
    ServerEvent firstAck = onA.await(e -> e.hasAck() && e.getFrameId().equals("s1"), "ack on gw-a");
    onA.close();

    DeviceClient onB = cluster.device(1, "rhea", "phone");
    onB.hello();
    onB.send(ConnectRequest.newBuilder().setFrameId("s2").setSend(SendFrame.newBuilder().addEvents(event)));
    ServerEvent secondAck = onB.await(e -> e.hasAck() && e.getFrameId().equals("s2"), "ack on gw-b");
    assertEquals(firstAck.getAck().getEventId(), secondAck.getAck().getEventId());
    assertEquals(firstAck.getAck().getSequence(), secondAck.getAck().getSequence());
    assertEquals(
        1,
        cluster.as(2, "rhea").getHistory(GetHistoryRequest.newBuilder().setRoomId(room).build()).getEventsList().stream()
            .filter(e -> e.getClientEventId().equals("rhea-1"))
            .count());
  }

  @Test
  void aWebSocketDeviceResumesFromItsPositionsOnAnotherGateway() throws Exception {
    String room = room("browser", "wes");
    for (int i = 1; i <= 5; i++) {
      send(0, room, "m" + i);
    }
    URI uri = URI.create("ws://localhost:" + cluster.gateway(1).httpPort() + "/ws?token=" + TestTokens.valid("wes", "browser"));
    WsClient browser = WsClient.connect(uri);
    try {
      browser.sendText("{\"frameId\":\"h\",\"hello\":{\"positions\":{\"" + room + "\":\"2\"}}}");
      browser.await(ServerEvent::hasReady, "ready");
      browser.awaitCount(ServerEvent::hasRoomEvent, 3, "the events after position 2");
      send(2, room, "m6");
      browser.awaitCount(ServerEvent::hasRoomEvent, 4, "the live one");
      assertEquals(LongStream.rangeClosed(3, 6).boxed().toList(), sequences(browser.events(), room));
    } finally {
      browser.abort();
    }
  }
}
