package io.chatgateway.proto.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The names the issue fixes as the contract, checked against the generated code. */
class ContractTest {

  @Test
  void serviceHasEveryContractRpcWithItsStreamingShape() {
    Map<String, MethodType> expected = new TreeMap<>();
    expected.put("Connect", MethodType.BIDI_STREAMING);
    expected.put("SearchRooms", MethodType.SERVER_STREAMING);
    for (String unary :
        List.of(
            "SendEvent", "GetHistory", "CreateRoom", "GetRoom", "UpdateRoom", "DeleteRoom",
            "AddRoomSubscriptions", "RemoveRoomSubscriptions", "UpdateSubscriptionRole",
            "SearchRoomSubscriptions", "UpdateReceipt", "GetPresence", "NotifyProfiles")) {
      expected.put(unary, MethodType.UNARY);
    }
    Map<String, MethodType> actual =
        ChatServiceGrpc.getServiceDescriptor().getMethods().stream()
            .collect(
                Collectors.toMap(
                    m -> m.getBareMethodName(), m -> m.getType(), (a, b) -> a, TreeMap::new));
    assertEquals(expected, actual);
    assertEquals("chat.v1.ChatService", ChatServiceGrpc.SERVICE_NAME);
  }

  @Test
  void connectFramesAreTheContractOneofs() {
    assertEquals(
        List.of("hello", "subscribe", "unsubscribe", "send", "typing", "read_marker", "receipt", "presence", "ping", "refresh_token"),
        oneofFields(ConnectRequest.getDescriptor().getOneofs().get(0)));
    assertEquals(
        List.of("ready", "room_event", "ack", "typing", "receipt", "read_marker", "presence", "subscribed", "unsubscribed", "error", "pong", "reconnect",
            "batch", "notice", "membership"),
        oneofFields(ServerEvent.getDescriptor().getOneofs().get(0)));
    assertNotNull(ServerEvent.getDescriptor().findFieldByName("id"));
    assertNotNull(ServerEvent.getDescriptor().findFieldByName("timestamp"));
  }

  @Test
  void roomEventCarriesTheRequiredPayloadsAndSequence() {
    List<String> payloads = oneofFields(RoomEvent.getDescriptor().getOneofs().get(0));
    assertTrue(payloads.containsAll(List.of("text", "attachment", "reaction", "custom")), payloads.toString());
    for (String field : List.of("id", "room_id", "sender_profile_id", "sender_device_id", "type", "sent_time", "edited", "redacted", "parent_id", "sequence")) {
      assertNotNull(RoomEvent.getDescriptor().findFieldByName(field), field);
    }
    assertEquals(
        List.of("ROOM_ROLE_UNSPECIFIED", "ROOM_ROLE_OWNER", "ROOM_ROLE_ADMIN", "ROOM_ROLE_MEMBER", "ROOM_ROLE_GUEST"),
        RoomRole.getDescriptor().getValues().stream().map(v -> v.getName()).toList());
  }

  @Test
  void jarCarriesTheProtoSources() throws Exception {
    for (String file : List.of("types.proto", "chat_service.proto", "stream.proto", "bus.proto")) {
      try (InputStream in = getClass().getClassLoader().getResourceAsStream("chat/v1/" + file)) {
        assertNotNull(in, "chat/v1/" + file + " on the classpath");
        assertTrue(new String(in.readAllBytes()).contains("package chat.v1;"));
      }
    }
  }

  private static List<String> oneofFields(OneofDescriptor oneof) {
    return oneof.getFields().stream().map(FieldDescriptor::getName).toList();
  }
}
