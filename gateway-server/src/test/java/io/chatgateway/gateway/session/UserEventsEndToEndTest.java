package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.NotifyProfilesRequest;
import io.chatgateway.proto.v1.NotifyProfilesResponse;
import io.chatgateway.proto.v1.ReadMarkerFrame;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.UserNotice;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Events for every device of one user, on real gRPC streams: the user's read markers reach the
 * user's devices that are not in the room, membership changes reach devices that do not follow
 * their rooms, and notices a service addresses to a user reach all of the user's devices.
 */
class UserEventsEndToEndTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void readMarkersReachTheUsersOtherDevicesOnceEach() {
    String room = gateway.createRoom("rita", "ken");
    gateway.sendText("rita", room, "one");
    DeviceClient phone = connections.device(TestTokens.valid("ken", "phone"), "ken-phone");
    phone.hello();
    phone.subscribe(room);
    DeviceClient tablet = connections.device(TestTokens.valid("ken", "tablet"), "ken-tablet");
    tablet.hello(); // in no room
    phone.send(ConnectRequest.newBuilder().setReadMarker(ReadMarkerFrame.newBuilder().setRoomId(room).setUpToSequence(1)));
    ServerEvent synced = tablet.await(ServerEvent::hasReadMarker, "ken's read marker on his other device");
    assertEquals(room, synced.getReadMarker().getRoomId());
    assertEquals("ken", synced.getReadMarker().getProfileId());
    assertEquals(1, synced.getReadMarker().getUpToSequence());
    phone.await(ServerEvent::hasReadMarker, "the marker on the device in the room");
    gateway.sendText("rita", room, "two"); // after the markers in the room's order
    phone.await(e -> e.hasRoomEvent() && e.getRoomEvent().getText().getText().equals("two"), "the next message");
    assertEquals(1, phone.matching(ServerEvent::hasReadMarker).size(), "the device in the room gets it from the room only");
    assertEquals(1, tablet.matching(ServerEvent::hasReadMarker).size());
  }

  @Test
  void aDeviceThatDoesNotFollowIsToldOfMembershipChanges() {
    String room = gateway.createRoom("rita");
    DeviceClient phone = connections.device(TestTokens.valid("lea", "phone"), "lea");
    phone.hello();
    gateway.as("rita").addRoomSubscriptions(AddRoomSubscriptionsRequest.newBuilder().setRoomId(room).addMembers(SubscriptionSpec.newBuilder().setProfileId("lea")).build());
    ServerEvent joined = phone.await(ServerEvent::hasMembership, "told she joined");
    assertEquals(room, joined.getMembership().getRoomId());
    assertTrue(joined.getMembership().getJoined());
    assertTrue(phone.matching(ServerEvent::hasSubscribed).isEmpty(), "not subscribed by the gateway: she does not follow");
    gateway.as("rita").removeRoomSubscriptions(RemoveRoomSubscriptionsRequest.newBuilder().setRoomId(room).addProfileIds("lea").build());
    phone.awaitCount(e -> e.hasMembership() && !e.getMembership().getJoined(), 1, "told she left");
  }

  @Test
  void aServiceNotifiesEveryDeviceOfAUserAndUsersMayNot() {
    DeviceClient phone = connections.device(TestTokens.valid("max", "phone"), "max-phone");
    phone.hello();
    DeviceClient laptop = connections.device(TestTokens.valid("max", "laptop"), "max-laptop");
    laptop.hello();
    UserNotice notice = UserNotice.newBuilder().setKind("call.incoming").setText("Ana is calling")
        .setData(Struct.newBuilder().putFields("call_id", Value.newBuilder().setStringValue("c-42").build())).build();
    NotifyProfilesResponse sent = service("calls").notifyProfiles(NotifyProfilesRequest.newBuilder().addProfileIds("max").addProfileIds("nobody-online").setNotice(notice).build());
    assertEquals("calls", sent.getNotice().getSenderId());
    assertTrue(sent.getNotice().hasSendTime());
    for (DeviceClient device : List.of(phone, laptop)) {
      ServerEvent got = device.await(ServerEvent::hasNotice, "the notice");
      assertEquals(sent.getNotice(), got.getNotice());
    }

    StatusRuntimeException user = assertThrows(StatusRuntimeException.class,
        () -> gateway.as("ana").notifyProfiles(NotifyProfilesRequest.newBuilder().addProfileIds("max").setNotice(notice).build()));
    assertEquals(Status.Code.PERMISSION_DENIED, user.getStatus().getCode());
    StatusRuntimeException badKind = assertThrows(StatusRuntimeException.class,
        () -> service("calls").notifyProfiles(NotifyProfilesRequest.newBuilder().addProfileIds("max").setNotice(notice.toBuilder().setKind("no spaces")).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badKind.getStatus().getCode());
    assertTrue(badKind.getStatus().getDescription().contains("notice.kind"), badKind.getStatus().getDescription());
    StatusRuntimeException nobody = assertThrows(StatusRuntimeException.class,
        () -> service("calls").notifyProfiles(NotifyProfilesRequest.newBuilder().setNotice(notice).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, nobody.getStatus().getCode());
    assertEquals(1, phone.matching(ServerEvent::hasNotice).size(), "nothing from the refused calls");
  }

  private static ChatServiceGrpc.ChatServiceBlockingStub service(String name) {
    String token = TestTokens.hs256(TestTokens.claims(name, null).claim("scope", "chat.service").claim("client_id", name + "-client"));
    return ChatServiceGrpc.newBlockingStub(gateway.channel()).withCallCredentials(BearerCredentials.of(token));
  }
}
