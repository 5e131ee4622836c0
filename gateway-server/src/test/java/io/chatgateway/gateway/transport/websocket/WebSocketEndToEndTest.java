package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The WebSocket bridge over real sockets: JSON and binary framing, auth paths, limits, errors. */
class WebSocketEndToEndTest {

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.withEnv(
          Map.of(
              "HTTP_PORT", "0",
              "MAX_FRAME_BYTES", "2048",
              "ALLOWED_ORIGINS", "https://chat.example.com",
              "OUTBOUND_QUEUE_MAX_MESSAGES", "40",
              "OUTBOUND_QUEUE_MAX_BYTES", "262144"));

  private final List<DeviceClient> devices = new ArrayList<>();

  @AfterEach
  void close() {
    devices.forEach(DeviceClient::close);
  }

  private static URI ws(String query) {
    return URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws" + query);
  }

  private static WsClient json(String profile) {
    WsClient client = WsClient.connect(ws("?token=" + TestTokens.valid(profile, "browser")));
    client.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    client.await(ServerEvent::hasReady, "ready");
    return client;
  }

  private static String room(String owner, String... members) {
    return gateway.createRoom(owner, members);
  }

  @Test
  void aWebSocketClientAndAGrpcDeviceExchangeMessagesBothWaysInOrder() {
    String roomId = room("alice", "bob");
    DeviceClient alice = DeviceClient.connect(gateway.channel(), TestTokens.valid("alice", "phone"), "alice");
    devices.add(alice);
    alice.hello();
    alice.subscribe(roomId);
    WsClient bob = json("bob");
    bob.sendText("{\"frameId\":\"s\",\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
    assertTrue(bob.await(e -> e.getFrameId().equals("s"), "subscribed").getSubscribed().getResults(0).getOk());

    for (int i = 0; i < 10; i++) {
      if (i % 2 == 0) {
        alice.send(
            ConnectRequest.newBuilder()
                .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(roomId).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("grpc " + i)))));
      } else {
        bob.sendText(
            "{\"send\":{\"events\":[{\"roomId\":\"" + roomId + "\",\"type\":\"EVENT_TYPE_MESSAGE\",\"clientEventId\":\"b" + i + "\",\"text\":{\"text\":\"ws " + i + "\"}}]}}");
      }
      // One at a time, so the expected order is the send order.
      long expected = i + 1;
      alice.await(e -> e.hasRoomEvent() && e.getRoomEvent().getSequence() == expected, "event " + expected);
    }
    List<ServerEvent> atBob = bob.awaitCount(ServerEvent::hasRoomEvent, 10, "room events");
    List<ServerEvent> atAlice = alice.awaitCount(ServerEvent::hasRoomEvent, 10, "room events");
    for (int i = 0; i < 10; i++) {
      assertEquals(i + 1, atBob.get(i).getRoomEvent().getSequence());
      assertEquals(atAlice.get(i).getRoomEvent(), atBob.get(i).getRoomEvent(), "the same event on both transports");
      assertEquals(i % 2 == 0 ? "grpc " + i : "ws " + i, atBob.get(i).getRoomEvent().getText().getText());
    }
    // The core publishes before it answers: an ack may come after the room event it stored.
    assertEquals(5, bob.awaitCount(ServerEvent::hasAck, 5, "acks").size());
    assertEquals(0, bob.binaryFrames(), "a client that spoke JSON is answered in JSON");
  }

  @Test
  void binaryFramingWorksWithTheTokenInTheAuthorizationHeader() throws Exception {
    WsClient carol = WsClient.connect(ws(""), Map.of("Authorization", "Bearer " + TestTokens.valid("carol", "app")), true);
    carol.sendBinary(ConnectRequest.newBuilder().setFrameId("h").setHello(HelloFrame.getDefaultInstance()).build().toByteArray());
    ServerEvent ready = carol.await(ServerEvent::hasReady, "ready");
    assertEquals("carol", ready.getReady().getProfileId());
    assertEquals("app", ready.getReady().getDeviceId());
    assertTrue(carol.binaryFrames() >= 1, "answered in binary");
  }

  @Test
  void aBrowserMaySendItsTokenInTheFirstFrame() {
    WsClient dana = WsClient.connect(ws(""));
    dana.sendText("{\"hello\":{\"accessToken\":\"" + TestTokens.valid("dana", "tab") + "\"}}");
    assertEquals("dana", dana.await(ServerEvent::hasReady, "ready").getReady().getProfileId());

    WsClient anonymous = WsClient.connect(ws(""));
    anonymous.sendText("{\"hello\":{}}");
    assertEquals(1008, anonymous.awaitClose());
    assertTrue(anonymous.closeReason().contains("no token"), anonymous.closeReason());

    WsClient forged = WsClient.connect(ws(""));
    forged.sendText("{\"hello\":{\"accessToken\":\"" + TestTokens.hs256(TestTokens.claims("dana", null), "another-secret-another-secret-12345") + "\"}}");
    assertEquals(1008, forged.awaitClose());
  }

  @Test
  void badFramesGetTheDocumentedErrorsAndCloseCodes() {
    WsClient client = json("erin");
    client.sendText("{this is not json");
    assertEquals(ErrorCode.ERROR_CODE_INVALID_FRAME, client.await(ServerEvent::hasError, "bad json").getError().getCode());
    client.sendText("{\"frameId\":\"wrong-type\",\"ping\":\"not an object\"}");
    ServerEvent wrongType = client.awaitCount(ServerEvent::hasError, 2, "errors").get(1);
    assertEquals(ErrorCode.ERROR_CODE_INVALID_FRAME, wrongType.getError().getCode());
    assertTrue(wrongType.getError().getMessage().contains("JSON"), wrongType.getError().getMessage());
    client.sendText("{\"frameId\":\"unknown\",\"pingg\":{}}");
    ServerEvent unknownField = client.awaitCount(ServerEvent::hasError, 3, "errors").get(2);
    assertEquals(ErrorCode.ERROR_CODE_INVALID_FRAME, unknownField.getError().getCode());
    assertTrue(unknownField.getError().getMessage().contains("pingg"), unknownField.getError().getMessage());
    client.sendText("{\"frameId\":\"big\",\"ping\":{},\"padding\":\"" + "x".repeat(3_000) + "\"}");
    ServerEvent tooBig = client.await(e -> e.hasError() && e.getError().getCode() == ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, "frame too large");
    assertFalse(tooBig.getError().getFatal());
    client.sendText("{\"frameId\":\"p\",\"ping\":{}}");
    client.await(e -> e.getFrameId().equals("p") && e.hasPong(), "still open after bad frames");

    WsClient noHello = WsClient.connect(ws("?token=" + TestTokens.valid("erin", "other")));
    noHello.sendText("{\"ping\":{}}");
    assertEquals(ErrorCode.ERROR_CODE_HELLO_REQUIRED, noHello.await(ServerEvent::hasError, "hello required").getError().getCode());
    assertEquals(1008, noHello.awaitClose());
  }

  @Test
  void refusedOriginsAndBadTokensAreRejectedBeforeTheUpgrade() {
    CompletionException origin =
        assertThrows(
            CompletionException.class,
            () -> WsClient.connect(ws("?token=" + TestTokens.valid("frank", "x")), Map.of("Origin", "https://evil.example"), true));
    assertEquals(403, ((WebSocketHandshakeException) origin.getCause()).getResponse().statusCode());
    CompletionException token = assertThrows(CompletionException.class, () -> WsClient.connect(ws("?token=garbage")));
    assertEquals(401, ((WebSocketHandshakeException) token.getCause()).getResponse().statusCode());

    WsClient allowed = WsClient.connect(ws("?token=" + TestTokens.valid("frank", "x")), Map.of("Origin", "https://chat.example.com"), true);
    allowed.sendText("{\"hello\":{}}");
    allowed.await(ServerEvent::hasReady, "an allowed origin connects");
  }

  @Test
  void aClientThatStopsReadingIsCutWhileOthersKeepReceiving() {
    String roomId = room("publisher", "reader", "sleeper");
    WsClient reader = json("reader");
    reader.sendText("{\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
    reader.await(ServerEvent::hasSubscribed, "subscribed");
    WsClient sleeper = WsClient.connect(ws("?token=" + TestTokens.valid("sleeper", "tab")), Map.of(), false);
    sleeper.sendText("{\"hello\":{}}");
    sleeper.sendText("{\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
    Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers(roomId) == 2, "both subscribed");

    int events = 400;
    String text = "z".repeat(12_000);
    for (int i = 0; i < events; i++) {
      gateway.sendText("publisher", roomId, text);
    }
    List<ServerEvent> received = reader.awaitCount(ServerEvent::hasRoomEvent, events, "every event");
    for (int i = 0; i < events; i++) {
      assertEquals(i + 1, received.get(i).getRoomEvent().getSequence());
    }
    Await.until(Duration.ofSeconds(15), () -> gateway.server().sessions().fanout().subscribers(roomId) == 1, "the sleeper was cut");
    sleeper.readEverything();
    assertEquals(1013, sleeper.awaitClose(), "try again later");
    assertTrue(sleeper.closeReason().contains("outbound queue full"), sleeper.closeReason());
  }
}
