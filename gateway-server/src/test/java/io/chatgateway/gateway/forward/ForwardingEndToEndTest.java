package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.ChatServiceGrpc.ChatServiceBlockingStub;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomRole;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every forwarded RPC, through a real gateway socket to the embedded core, in both marshalling modes. */
class ForwardingEndToEndTest {

  @RegisterExtension static final GatewayExtension passThrough = GatewayExtension.standard();

  @RegisterExtension
  static final GatewayExtension parsed = GatewayExtension.withEnv(Map.of("FORWARD_MARSHALLING", "parsed"));

  @Test
  void everyRpcIsForwardedWithBytesPassedThrough() throws Exception {
    exerciseEveryRpc(passThrough, "pt");
  }

  @Test
  void everyRpcIsForwardedWhenParsed() throws Exception {
    exerciseEveryRpc(parsed, "parsed");
  }

  @Test
  void coreErrorsReachTheDeviceWithTheirStatus() {
    ChatServiceBlockingStub alice = passThrough.as("alice");
    assertStatus(Status.Code.NOT_FOUND, () -> alice.getRoom(GetRoomRequest.newBuilder().setRoomId("missing").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> alice.createRoom(CreateRoomRequest.newBuilder().setName("").build()));
    alice.createRoom(CreateRoomRequest.newBuilder().setRoomId("private-1").setName("p").build());
    StatusRuntimeException denied =
        assertThrows(StatusRuntimeException.class, () -> passThrough.as("mallory").getHistory(GetHistoryRequest.newBuilder().setRoomId("private-1").build()));
    assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
    assertTrue(denied.getStatus().getDescription().contains("not a member"), denied.getStatus().toString());
    assertStatus(
        Status.Code.ALREADY_EXISTS, () -> alice.createRoom(CreateRoomRequest.newBuilder().setRoomId("private-1").setName("p").build()));
  }

  @Test
  void reflectionDescribesTheChatService() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(passThrough.channel())
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol("chat.v1.ChatService").build());
    ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    assertTrue(response.getFileDescriptorResponse().getFileDescriptorProtoCount() > 0, response.toString());
  }

  private static void exerciseEveryRpc(GatewayExtension gateway, String prefix) {
    ChatServiceBlockingStub owner = gateway.as(prefix + "-owner");
    ChatServiceBlockingStub bob = gateway.as(prefix + "-bob");
    String roomId = prefix + "-room";

    Room room =
        owner
            .createRoom(
                CreateRoomRequest.newBuilder()
                    .setRoomId(roomId)
                    .setName("Forwarded")
                    .setVisibility(RoomVisibility.ROOM_VISIBILITY_PUBLIC)
                    .build())
            .getRoom();
    assertEquals(prefix + "-owner", room.getCreatedBy());

    assertEquals(RoomRole.ROOM_ROLE_OWNER, owner.getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()).getSubscription().getRole());

    Iterator<SearchRoomsResponse> found = bob.searchRooms(SearchRoomsRequest.newBuilder().setQuery(prefix + "-ROOM").build());
    List<String> ids = new ArrayList<>();
    found.forEachRemaining(r -> ids.add(r.getRoom().getId()));
    assertEquals(List.of(roomId), ids);

    Room renamed =
        owner
            .updateRoom(
                UpdateRoomRequest.newBuilder()
                    .setRoom(Room.newBuilder().setId(roomId).setName("Renamed"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("name"))
                    .build())
            .getRoom();
    assertEquals("Renamed", renamed.getName());

    owner.addRoomSubscriptions(
        AddRoomSubscriptionsRequest.newBuilder()
            .setRoomId(roomId)
            .addMembers(SubscriptionSpec.newBuilder().setProfileId(prefix + "-bob"))
            .build());
    assertEquals(
        RoomRole.ROOM_ROLE_ADMIN,
        owner
            .updateSubscriptionRole(
                UpdateSubscriptionRoleRequest.newBuilder()
                    .setRoomId(roomId)
                    .setProfileId(prefix + "-bob")
                    .setRole(RoomRole.ROOM_ROLE_ADMIN)
                    .build())
            .getSubscription()
            .getRole());
    assertEquals(
        2,
        bob.searchRoomSubscriptions(SearchRoomSubscriptionsRequest.newBuilder().setRoomId(roomId).build()).getSubscriptionsCount());

    RoomEvent sent =
        bob.sendEvent(
                SendEventRequest.newBuilder()
                    .setRoomId(roomId)
                    .setEvent(
                        RoomEvent.newBuilder()
                            .setType(EventType.EVENT_TYPE_MESSAGE)
                            .setClientEventId("c-1")
                            .setText(TextPayload.newBuilder().setText("hi over the gateway")))
                    .build())
            .getEvent();
    assertEquals(prefix + "-bob", sent.getSenderProfileId(), "the core saw the token's subject");
    assertEquals("phone", sent.getSenderDeviceId(), "and its device_id claim");

    GetHistoryResponse history = owner.getHistory(GetHistoryRequest.newBuilder().setRoomId(roomId).build());
    assertEquals(sent, history.getEvents(0));

    assertEquals(
        sent.getSequence(),
        owner
            .updateReceipt(
                UpdateReceiptRequest.newBuilder()
                    .setRoomId(roomId)
                    .setKind(ReceiptKind.RECEIPT_KIND_READ)
                    .setUpToSequence(sent.getSequence())
                    .build())
            .getSubscription()
            .getLastReadSequence());

    assertEquals(
        List.of(prefix + "-bob"),
        owner
            .removeRoomSubscriptions(RemoveRoomSubscriptionsRequest.newBuilder().setRoomId(roomId).addProfileIds(prefix + "-bob").build())
            .getRemovedProfileIdsList());

    owner.deleteRoom(DeleteRoomRequest.newBuilder().setRoomId(roomId).build());
    assertStatus(Status.Code.NOT_FOUND, () -> owner.getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()));
  }

  private static void assertStatus(Status.Code expected, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::execute);
    assertEquals(expected, e.getStatus().getCode(), e.getStatus().toString());
  }

  @FunctionalInterface
  interface Executable {
    void execute();
  }
}
