package io.chatgateway.gateway.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.GetPresenceRequest;
import io.chatgateway.proto.v1.GetPresenceResponse;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GetPresence} on one gateway over real gRPC and the Connect protocol: profiles by id, the
 * present members of a room whose presence is not pushed, typed errors for bad requests and for
 * rooms the caller is not in. The core is never asked for presence (it answers UNIMPLEMENTED).
 */
class GetPresenceEndToEndTest {

  // Rooms of more than 2 members get no pushed presence: the case GetPresence exists for.
  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("PRESENCE_PUSH_MAX_MEMBERS", "2"));

  @Test
  void profilesAreAnsweredInOrderWithTheirStatusAndOfflineForTheOthers() {
    try (DeviceClient alice = DeviceClient.connect(gateway.channel(), TestTokens.valid("alice", "phone"), "alice")) {
      alice.hello();
      alice.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_AWAY).setStatusText("lunch")));
      Await.until(Duration.ofSeconds(10), () -> presence("bob", "nobody", "alice").get(1).getStatus() == PresenceStatus.PRESENCE_STATUS_AWAY, "alice away");
      List<PresenceEvent> answer = presence("bob", "nobody", "alice");
      assertEquals(List.of("nobody", "alice"), answer.stream().map(PresenceEvent::getProfileId).toList(), "in request order");
      assertEquals(PresenceStatus.PRESENCE_STATUS_OFFLINE, answer.get(0).getStatus());
      assertEquals("lunch", answer.get(1).getStatusText());
      assertTrue(answer.get(1).hasLastSeenTime());
    }
    Await.until(Duration.ofSeconds(10), () -> presence("bob", "alice").get(0).getStatus() == PresenceStatus.PRESENCE_STATUS_OFFLINE, "alice offline once her stream is gone");
  }

  @Test
  void aRoomWithoutPushedPresenceIsAnsweredToItsMembersOnly() {
    String room = gateway.createRoom("owner", "dora", "dave", "watcher");
    try (DeviceClient dora = DeviceClient.connect(gateway.channel(), TestTokens.valid("dora", "phone"), "dora");
        DeviceClient dave = DeviceClient.connect(gateway.channel(), TestTokens.valid("dave", "phone"), "dave")) {
      for (DeviceClient device : List.of(dora, dave)) {
        device.hello();
        RoomSubscriptionResult joined = device.subscribe(room).getResults(0);
        assertTrue(joined.getOk() && joined.getPresenceOnRequest(), joined.toString());
      }
      GetPresenceResponse present = gateway.as("watcher").getPresence(GetPresenceRequest.newBuilder().setRoomId(room).build());
      assertEquals(List.of("dave", "dora"), present.getPresencesList().stream().map(PresenceEvent::getProfileId).sorted().toList());
      assertTrue(present.getPresencesList().stream().allMatch(p -> p.getStatus() == PresenceStatus.PRESENCE_STATUS_ONLINE));
      assertFalse(present.getTruncated());

      StatusRuntimeException outsider =
          assertThrows(StatusRuntimeException.class, () -> gateway.as("eve").getPresence(GetPresenceRequest.newBuilder().setRoomId(room).build()));
      assertEquals(Status.Code.PERMISSION_DENIED, outsider.getStatus().getCode(), outsider.getStatus().toString());
      StatusRuntimeException unknown =
          assertThrows(StatusRuntimeException.class, () -> gateway.as("watcher").getPresence(GetPresenceRequest.newBuilder().setRoomId("no-such-room").build()));
      assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode(), unknown.getStatus().toString());
    }
  }

  @Test
  void badRequestsAreInvalidArgumentsThatSayWhy() {
    Map<GetPresenceRequest, String> bad = Map.of(
        GetPresenceRequest.getDefaultInstance(), "exactly one of room_id and profile_ids",
        GetPresenceRequest.newBuilder().setRoomId("r").addProfileIds("a").build(), "exactly one of room_id and profile_ids",
        GetPresenceRequest.newBuilder().setRoomId("bad room").build(), "room_id must be",
        GetPresenceRequest.newBuilder().addProfileIds("ok").addProfileIds("with space").build(), "profile_ids[1]",
        GetPresenceRequest.newBuilder().addAllProfileIds(Collections.nCopies(PresenceLookup.MAX_PROFILES + 1, "p")).build(), "at most " + PresenceLookup.MAX_PROFILES);
    bad.forEach((request, why) -> {
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> gateway.as("bob").getPresence(request));
      assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().contains(why), refused.getStatus().getDescription());
    });
  }

  @Test
  void theConnectProtocolServesItToo() throws Exception {
    try (DeviceClient carl = DeviceClient.connect(gateway.channel(), TestTokens.valid("carl", "phone"), "carl")) {
      carl.hello();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.server().httpPort() + "/chat.v1.ChatService/GetPresence"))
          .header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + TestTokens.valid("bob", "web"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"profileIds\":[\"carl\"]}"))
          .build();
      HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
      assertTrue(answer.body().contains("\"profileId\":\"carl\"") && answer.body().contains("PRESENCE_STATUS_ONLINE"), answer.body());

      HttpResponse<String> refused = http.send(
          HttpRequest.newBuilder(request.uri()).header("Content-Type", "application/json").header("Authorization", "Bearer " + TestTokens.valid("bob", "web"))
              .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("invalid_argument") && refused.body().contains("exactly one"), refused.body());
    }
  }

  private static List<PresenceEvent> presence(String asker, String... profiles) {
    return gateway.as(asker).getPresence(GetPresenceRequest.newBuilder().addAllProfileIds(List.of(profiles)).build()).getPresencesList();
  }

}
