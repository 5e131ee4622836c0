package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.SystemPayload;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Service principals through a real gateway: a bot posting SYSTEM events as itself, a backend acting
 * on behalf of a user only with its scope, both audited; services kept off device streams.
 */
class ServicePrincipalsEndToEndTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final List<String> audit = new ArrayList<>();
  private final Logger auditLog = Logger.getLogger("io.chatgateway.audit");
  private final Handler recorder =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          synchronized (audit) {
            audit.add(record.getMessage());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void recordAudit() {
    auditLog.addHandler(recorder);
  }

  @AfterEach
  void stopRecording() {
    auditLog.removeHandler(recorder);
  }

  /** A token of the service {@code name} with {@code scope}, issued to the OAuth2 client {@code name}-client. */
  static String serviceToken(String name, String scope) {
    return TestTokens.hs256(TestTokens.claims(name, null).claim("scope", scope).claim("client_id", name + "-client"));
  }

  private static ChatServiceGrpc.ChatServiceBlockingStub as(String token, String onBehalfOf) {
    ChatServiceGrpc.ChatServiceBlockingStub stub =
        ChatServiceGrpc.newBlockingStub(gateway.channel()).withCallCredentials(GatewayExtension.bearer(token)).withDeadlineAfter(10, TimeUnit.SECONDS);
    if (onBehalfOf != null) {
      Metadata headers = new Metadata();
      headers.put(ServicePrincipals.ON_BEHALF_OF, onBehalfOf);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return stub;
  }

  private static SendEventRequest system(String roomId, String code) {
    return SendEventRequest.newBuilder()
        .setRoomId(roomId)
        .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_SYSTEM).setSystem(SystemPayload.newBuilder().setCode(code).putParams("until", "06:00")))
        .build();
  }

  private static SendEventRequest message(String roomId, String text) {
    return SendEventRequest.newBuilder().setRoomId(roomId).setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text))).build();
  }

  private List<String> auditLines(String containing) {
    synchronized (audit) {
      return audit.stream().filter(line -> line.contains(containing)).toList();
    }
  }

  @Test
  void aServicePostsSystemEventsAsItselfAndAUserCannot() {
    String bot = serviceToken("notifier-bot", "chat.service");
    String room =
        as(bot, null).createRoom(CreateRoomRequest.newBuilder().setName("announcements").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("alice")).build())
            .getRoom()
            .getId();
    RoomEvent posted = as(bot, null).sendEvent(system(room, "maintenance")).getEvent();
    assertEquals(EventType.EVENT_TYPE_SYSTEM, posted.getType());
    assertEquals("notifier-bot", posted.getSenderProfileId());
    RoomEvent seen = gateway.as("alice").getHistory(GetHistoryRequest.newBuilder().setRoomId(room).build()).getEventsList().stream()
        .filter(e -> e.getId().equals(posted.getId())).findFirst().orElseThrow();
    assertEquals("maintenance", seen.getSystem().getCode(), "alice reads the system's voice");

    StatusRuntimeException user = assertThrows(StatusRuntimeException.class, () -> gateway.as("alice").sendEvent(system(room, "fake")));
    assertEquals(Status.Code.PERMISSION_DENIED, user.getStatus().getCode(), user.toString());

    assertEquals(
        List.of("audit principal=notifier-bot client=notifier-bot-client on_behalf_of=- method=chat.v1.ChatService/SendEvent room=" + room),
        auditLines("SendEvent"));
    assertTrue(auditLines("method=chat.v1.ChatService/CreateRoom").size() == 1, "every call of a service is audited");
  }

  @Test
  void actingOnBehalfOfAUserNeedsTheScopeAndIsAudited() {
    String backend = serviceToken("helpdesk", "chat.service");
    String trusted = serviceToken("helpdesk", "chat.service chat.act_as");
    String room = gateway.createRoom("bob", "jürgen");

    StatusRuntimeException noScope = assertThrows(StatusRuntimeException.class, () -> as(backend, "jürgen").sendEvent(message(room, "hello")));
    assertEquals(Status.Code.PERMISSION_DENIED, noScope.getStatus().getCode());
    assertTrue(noScope.getStatus().getDescription().contains("only with the scope chat.act_as"), noScope.getStatus().getDescription());

    RoomEvent sent = as(trusted, "jürgen").sendEvent(message(room, "your ticket is solved")).getEvent();
    assertEquals("jürgen", sent.getSenderProfileId(), "the user's own id, byte for byte");
    assertEquals("helpdesk", sent.getSenderDeviceId(), "the service stands where the user's device would");
    assertEquals(List.of("audit principal=helpdesk client=helpdesk-client on_behalf_of=jürgen method=chat.v1.ChatService/SendEvent room=" + room), auditLines("on_behalf_of=jürgen"));

    StatusRuntimeException userActing = assertThrows(StatusRuntimeException.class, () -> as(TestTokens.valid("bob", "phone"), "jürgen").sendEvent(message(room, "as jürgen")));
    assertEquals(Status.Code.PERMISSION_DENIED, userActing.getStatus().getCode());
    assertTrue(userActing.getStatus().getDescription().startsWith("only service principals"), userActing.getStatus().getDescription());
  }

  @Test
  void theConnectProtocolActsOnBehalfWithTheBinaryHeader() throws Exception {
    String trusted = serviceToken("crm", "chat.service chat.act_as");
    String room = gateway.createRoom("jörgen");
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/chat.v1.ChatService/SendEvent"))
                    .header("Authorization", "Bearer " + trusted)
                    .header("Content-Type", "application/json")
                    .header("X-Chat-On-Behalf-Of-Bin", Base64.getEncoder().withoutPadding().encodeToString("jörgen".getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"roomId\":\"" + room + "\",\"event\":{\"type\":\"EVENT_TYPE_MESSAGE\",\"text\":{\"text\":\"from the CRM\"}}}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().contains("\"senderProfileId\":\"jörgen\""), response.body());
    assertEquals(1, auditLines("principal=crm client=crm-client on_behalf_of=jörgen method=chat.v1.ChatService/SendEvent room=" + room).size());
  }

  @Test
  void servicesDoNotOpenDeviceStreamsByDefault() {
    String bot = serviceToken("stream-bot", "chat.service");
    try (DeviceClient stream = DeviceClient.connect(gateway.channel(), bot, "bot")) {
      Status refused = stream.awaitClosed();
      assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode());
      assertTrue(refused.getDescription().contains("SERVICE_STREAMS=false"), refused.getDescription());
    }
    CompletionException upgrade =
        assertThrows(
            CompletionException.class,
            () -> WsClient.connect(URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws"), Map.of("Authorization", "Bearer " + bot), true));
    assertTrue(upgrade.getCause() instanceof WebSocketHandshakeException handshake && handshake.getResponse().statusCode() == 403, upgrade.toString());
  }
}
