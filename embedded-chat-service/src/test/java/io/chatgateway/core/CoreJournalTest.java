package io.chatgateway.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A core with a journal comes back from a restart with everything it answered, and nothing it refused. */
class CoreJournalTest {

  static final CallerIdentity OWNER = new CallerIdentity("olivia", "laptop");
  static final CallerIdentity MEMBER = new CallerIdentity("mia", "phone");

  private volatile boolean busDown;

  private ChatCore open(Path file) throws Exception {
    return ChatCore.recover(
        envelope -> {
          if (busDown) {
            throw Status.UNAVAILABLE.withDescription("Redis unavailable").asRuntimeException();
          }
        },
        Clock.systemUTC(),
        "test-core",
        file);
  }

  private static RoomEvent send(ChatCore core, CallerIdentity who, String room, String clientEventId, String text) {
    return core.sendEvent(
        who,
        SendEventRequest.newBuilder()
            .setRoomId(room)
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId(clientEventId).setText(TextPayload.newBuilder().setText(text)))
            .build());
  }

  private static List<RoomEvent> history(ChatCore core, String room) {
    return core.getHistory(MEMBER, GetHistoryRequest.newBuilder().setRoomId(room).setDirection(HistoryDirection.HISTORY_DIRECTION_FORWARD).setPageSize(200).build()).getEventsList();
  }

  @Test
  void aRestartedCoreHasEveryRoomMemberAndEventItAnsweredAndNothingItRefused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("core.journal");
    ChatCore before = open(file);
    before.createRoom(OWNER, CreateRoomRequest.newBuilder().setRoomId("kept").setName("Kept").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("mia")).build());
    before.createRoom(OWNER, CreateRoomRequest.newBuilder().setRoomId("gone").setName("Gone").build());
    RoomEvent first = send(before, MEMBER, "kept", "c-1", "hello");
    send(before, OWNER, "kept", "c-2", "world");
    before.sendEvent(
        MEMBER,
        SendEventRequest.newBuilder()
            .setRoomId("kept")
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_EDIT).setParentId(first.getId()).setText(TextPayload.newBuilder().setText("hello, edited"))).build());
    busDown = true;
    assertThrows(StatusRuntimeException.class, () -> send(before, MEMBER, "kept", "c-refused", "never stored"));
    busDown = false;
    before.addSubscriptions(OWNER, AddRoomSubscriptionsRequest.newBuilder().setRoomId("kept").addMembers(SubscriptionSpec.newBuilder().setProfileId("max")).build());
    before.removeSubscriptions(OWNER, RemoveRoomSubscriptionsRequest.newBuilder().setRoomId("kept").addProfileIds("max").build());
    before.updateRoom(OWNER, UpdateRoomRequest.newBuilder().setRoom(io.chatgateway.proto.v1.Room.newBuilder().setId("kept").setName("Renamed")).setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("name")).build());
    before.updateReceipt(MEMBER, UpdateReceiptRequest.newBuilder().setRoomId("kept").setKind(ReceiptKind.RECEIPT_KIND_READ).setUpToSequence(2).build());
    before.deleteRoom(OWNER, DeleteRoomRequest.newBuilder().setRoomId("gone").build());
    List<RoomEvent> events = history(before, "kept");
    var room = before.getRoom(MEMBER, GetRoomRequest.newBuilder().setRoomId("kept").build());
    var members = before.searchSubscriptions(OWNER, SearchRoomSubscriptionsRequest.newBuilder().setRoomId("kept").build());

    ChatCore after = open(file); // the process died: a new one reads the same file
    assertEquals(events, history(after, "kept"), "every event, the edit applied, the refused one absent");
    assertTrue(events.stream().noneMatch(e -> e.getClientEventId().equals("c-refused")));
    assertEquals(room, after.getRoom(MEMBER, GetRoomRequest.newBuilder().setRoomId("kept").build()), "the room, its name and the reader's receipt");
    assertEquals(members, after.searchSubscriptions(OWNER, SearchRoomSubscriptionsRequest.newBuilder().setRoomId("kept").build()));
    StatusRuntimeException deleted = assertThrows(StatusRuntimeException.class, () -> after.getRoom(OWNER, GetRoomRequest.newBuilder().setRoomId("gone").build()));
    assertEquals(Status.Code.NOT_FOUND, deleted.getStatus().getCode());

    assertEquals(events.get(0), send(after, MEMBER, "kept", "c-1", "hello"), "a retry of a stored send is answered with it (as edited) after the restart too");
    RoomEvent next = send(after, MEMBER, "kept", "c-3", "again");
    assertEquals(events.get(events.size() - 1).getSequence() + 1, next.getSequence(), "sequences go on where they were");
  }

  @Test
  void aTornLastEntryIsDroppedAndTheFileGoesOn(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("core.journal");
    ChatCore before = open(file);
    before.createRoom(OWNER, CreateRoomRequest.newBuilder().setRoomId("r").setName("R").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("mia")).build());
    send(before, MEMBER, "r", "c-1", "one");
    Files.write(file, new byte[] {'E', 120, 1, 2, 3}, StandardOpenOption.APPEND); // the process died mid-write

    ChatCore after = open(file);
    assertEquals(1, history(after, "r").size());
    send(after, MEMBER, "r", "c-2", "two");
    assertEquals(2, history(open(file), "r").size(), "entries written after the torn one are read again");
  }
}
