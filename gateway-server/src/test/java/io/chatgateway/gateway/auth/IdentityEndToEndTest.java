package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Identities travel byte-exact, on every transport: {@code jürgen} and {@code jörgen} (and a literal
 * {@code j?rgen}) are three users, a member added as {@code ümit} gets in, tokens whose ids break the
 * rule are refused, and the core refuses identity metadata it cannot read exactly.
 */
class IdentityEndToEndTest {

  static final String JURGEN = "j\u00fcrgen"; // NFC, as identity providers send it
  static final String JORGEN = "j\u00f6rgen";
  static final String QUESTION = "j?rgen"; // what ASCII metadata used to turn jürgen into
  static final String UMIT = "\u00fcmit";

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  static final HttpClient http = HttpClient.newHttpClient();

  @Test
  void nonAsciiOwnersStayThemselvesOnGrpc() {
    String roomId = gateway.createRoom(JURGEN, UMIT);
    Room room = gateway.as(JURGEN).getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()).getRoom();
    assertEquals(JURGEN, room.getCreatedBy(), "the core stored the exact id");
    gateway.sendText(JURGEN, roomId, "private");
    for (String other : List.of(JORGEN, QUESTION)) {
      assertDenied(() -> gateway.as(other).getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()), other + " GetRoom");
      assertDenied(() -> gateway.as(other).getHistory(GetHistoryRequest.newBuilder().setRoomId(roomId).build()), other + " GetHistory");
      assertDenied(() -> gateway.as(other).deleteRoom(DeleteRoomRequest.newBuilder().setRoomId(roomId).build()), other + " DeleteRoom");
    }
    assertEquals(1, gateway.as(UMIT).getHistory(GetHistoryRequest.newBuilder().setRoomId(roomId).build()).getEventsCount(), "ümit, added by that id, is a member");
    assertEquals(roomId, gateway.as(JURGEN).getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()).getRoom().getId(), "the room is still there");
  }

  @Test
  void nonAsciiUsersSubscribeOnlyToTheirOwnRoomsOnTheStream() {
    String roomId = gateway.createRoom(JURGEN, UMIT);
    try (DeviceClient jorgen = DeviceClient.connect(gateway.channel(), TestTokens.valid(JORGEN, "phone"), "jörgen");
        DeviceClient umit = DeviceClient.connect(gateway.channel(), TestTokens.valid(UMIT, "phone"), "ümit")) {
      jorgen.hello();
      RoomSubscriptionResult refused = jorgen.subscribe(roomId).getResults(0);
      assertFalse(refused.getOk(), "jörgen is not jürgen");
      assertEquals(ErrorCode.ERROR_CODE_PERMISSION_DENIED, refused.getError().getCode());
      umit.hello();
      assertTrue(umit.subscribe(roomId).getResults(0).getOk(), "ümit is a member");
      gateway.sendText(JURGEN, roomId, "hallo");
      assertEquals(JURGEN, umit.await(ServerEvent::hasRoomEvent, "jürgen's message").getRoomEvent().getSenderProfileId(), "sender id exact");
    }
  }

  @Test
  void nonAsciiUsersSubscribeOnlyToTheirOwnRoomsOnTheWebSocket() {
    String roomId = gateway.createRoom(JURGEN);
    WsClient jorgen = WsClient.connect(ws("?token=" + URLEncoder.encode(TestTokens.valid(JORGEN, "web"), StandardCharsets.UTF_8)));
    jorgen.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    jorgen.await(e -> e.hasReady(), "ready");
    jorgen.sendText("{\"frameId\":\"s\",\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
    RoomSubscriptionResult refused = jorgen.await(e -> e.hasSubscribed(), "subscribed").getSubscribed().getResults(0);
    assertEquals(ErrorCode.ERROR_CODE_PERMISSION_DENIED, refused.getError().getCode(), "jörgen is not jürgen over the WebSocket");
    jorgen.abort();

    WsClient jurgen = WsClient.connect(ws("?token=" + URLEncoder.encode(TestTokens.valid(JURGEN, "web"), StandardCharsets.UTF_8)));
    jurgen.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    jurgen.await(e -> e.hasReady(), "ready");
    jurgen.sendText("{\"frameId\":\"s\",\"subscribe\":{\"roomIds\":[\"" + roomId + "\"]}}");
    assertTrue(jurgen.await(e -> e.hasSubscribed(), "subscribed").getSubscribed().getResults(0).getOk(), "the owner gets in");
    jurgen.abort();
  }

  @Test
  void nonAsciiOwnersStayThemselvesOnTheConnectProtocol() throws Exception {
    HttpResponse<String> created = connect("CreateRoom", "{\"name\":\"Connect\"}", TestTokens.valid(JURGEN, "web"));
    assertEquals(200, created.statusCode(), created.body());
    Struct room = json(created.body()).getFieldsOrThrow("room").getStructValue();
    assertEquals(JURGEN, room.getFieldsOrThrow("createdBy").getStringValue());
    String roomId = room.getFieldsOrThrow("id").getStringValue();
    for (String other : List.of(JORGEN, QUESTION)) {
      HttpResponse<String> history = connect("GetHistory", "{\"roomId\":\"" + roomId + "\"}", TestTokens.valid(other, "web"));
      assertEquals(403, history.statusCode(), other + ": " + history.body());
      HttpResponse<String> deleted = connect("DeleteRoom", "{\"roomId\":\"" + roomId + "\"}", TestTokens.valid(other, "web"));
      assertEquals(403, deleted.statusCode(), other + ": " + deleted.body());
    }
    assertEquals(200, connect("GetRoom", "{\"roomId\":\"" + roomId + "\"}", TestTokens.valid(JURGEN, "web")).statusCode());
  }

  @Test
  void tokensWhoseIdsBreakTheRuleAreRefusedOnEveryTransport() throws Exception {
    String decomposed = "ju\u0308rgen"; // the same letters as jürgen, not in NFC
    List<String> badSubjects = List.of("   ", "a\nb", "a\u0000b", "x".repeat(10_000), "\u200balice", decomposed, "alice\u202e");
    for (String subject : badSubjects) {
      String token = TestTokens.valid(subject, "phone");
      StatusRuntimeException grpc =
          assertThrows(StatusRuntimeException.class, () -> ChatServiceGrpc.newBlockingStub(gateway.channel())
              .withCallCredentials(GatewayExtension.bearer(token))
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .createRoom(CreateRoomRequest.newBuilder().setName("x").build()));
      if (token.length() < 8_000) {
        assertEquals(Status.Code.UNAUTHENTICATED, grpc.getStatus().getCode(), describe(subject));
        assertTrue(grpc.getStatus().getDescription().contains("sub"), "the reason names the claim: " + grpc.getStatus());
      } // else gRPC's 8 KiB header limit resets the stream before the token is read: refused all the same
      assertEquals(401, connect("CreateRoom", "{\"name\":\"x\"}", token).statusCode(), describe(subject) + " on Connect");
      CompletionException upgrade = assertThrows(CompletionException.class, () -> WsClient.connect(ws("?token=" + token)));
      assertEquals(401, ((WebSocketHandshakeException) upgrade.getCause()).getResponse().statusCode(), describe(subject) + " on the WebSocket upgrade");
    }
    String longToken = TestTokens.valid("y".repeat(129), "phone");
    assertEquals(401, connect("CreateRoom", "{\"name\":\"x\"}", longToken).statusCode(), "129 bytes is too long");
    assertEquals(401, connect("CreateRoom", "{\"name\":\"x\"}", TestTokens.valid("\u00fc".repeat(65), "phone")).statusCode(), "65 two-byte letters are 130 bytes");
    assertEquals(200, connect("CreateRoom", "{\"name\":\"x\"}", TestTokens.valid("y".repeat(128), "phone")).statusCode(), "128 bytes is fine");
    assertEquals(401, connect("CreateRoom", "{\"name\":\"x\"}", TestTokens.valid("alice", "tab\tlet")).statusCode(), "device ids follow the rule too");
  }

  @Test
  void theCoreRefusesIdentityMetadataItCannotReadExactly() throws Exception {
    try (CoreServer core = CoreServer.start(0, envelope -> {}, "strict-core")) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", core.port()).usePlaintext().build();
      try {
        Metadata notUtf8 = new Metadata();
        notUtf8.put(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {'j', (byte) 0xfc, 'r'});
        assertUnauthenticated(channel, notUtf8, "not UTF-8");
        Metadata legacy = new Metadata();
        legacy.put(Metadata.Key.of("x-chat-profile-id", Metadata.ASCII_STRING_MARSHALLER), "victim");
        assertUnauthenticated(channel, legacy, "ASCII");
        Metadata control = new Metadata();
        control.put(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER), "a\nb".getBytes(StandardCharsets.UTF_8));
        assertUnauthenticated(channel, control, "rule");
        Metadata exact = new Metadata();
        exact.put(Metadata.Key.of("x-chat-profile-id-bin", Metadata.BINARY_BYTE_MARSHALLER), JURGEN.getBytes(StandardCharsets.UTF_8));
        Room room = ChatServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(exact))
            .createRoom(CreateRoomRequest.newBuilder().setName("direct").build()).getRoom();
        assertEquals(JURGEN, room.getCreatedBy());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static void assertUnauthenticated(ManagedChannel channel, Metadata headers, String why) {
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> ChatServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .createRoom(CreateRoomRequest.newBuilder().setName("x").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), why + ": " + refused.getStatus());
  }

  private static void assertDenied(org.junit.jupiter.api.function.Executable call, String what) {
    StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, call, what);
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode(), what + ": " + denied.getStatus());
  }

  private static String describe(String subject) {
    return "sub " + subject.codePoints().limit(12).mapToObj(c -> String.format("U+%04X", c)).toList() + (subject.length() > 12 ? "..." : "");
  }

  private static URI ws(String query) {
    return URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws" + query);
  }

  private static HttpResponse<String> connect(String method, String body, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/chat.v1.ChatService/" + method))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Struct json(String body) throws Exception {
    Struct.Builder struct = Struct.newBuilder();
    JsonFormat.parser().merge(body, struct);
    return struct.build();
  }
}
