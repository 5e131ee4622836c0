package io.chatgateway.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.SystemPayload;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.PageCursor;
import io.chatgateway.proto.v1.ReactionPayload;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomRole;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ChatCoreTest {

  static final CallerIdentity OWNER = new CallerIdentity("olivia", "laptop");
  static final CallerIdentity ADMIN = new CallerIdentity("adam", "phone");
  static final CallerIdentity MEMBER = new CallerIdentity("mia", "phone");
  static final CallerIdentity GUEST = new CallerIdentity("gus", "tablet");
  static final CallerIdentity STRANGER = new CallerIdentity("stan", "phone");

  private final ConcurrentLinkedQueue<BusEnvelope> published = new ConcurrentLinkedQueue<>();
  /** While set, the bus refuses envelopes, as a publisher does while Redis is away. */
  private volatile boolean busDown;
  private final ChatCore core =
      new ChatCore(
          envelope -> {
            if (busDown) {
              throw Status.UNAVAILABLE.withDescription("Redis unavailable").asRuntimeException();
            }
            published.add(envelope);
          },
          Clock.systemUTC(),
          "test-core");

  private Room room(String id, RoomVisibility visibility) {
    return core.createRoom(
            OWNER,
            CreateRoomRequest.newBuilder()
                .setRoomId(id)
                .setName("Room " + id)
                .setVisibility(visibility)
                .addInitialMembers(member(ADMIN, RoomRole.ROOM_ROLE_ADMIN))
                .addInitialMembers(member(MEMBER, RoomRole.ROOM_ROLE_MEMBER))
                .addInitialMembers(member(GUEST, RoomRole.ROOM_ROLE_GUEST))
                .build())
        .getRoom();
  }

  @Test
  void creatingARoomMakesTheCallerOwnerAndRejectsDuplicatesAndBadInput() {
    Room created = room("general", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    assertEquals(4, created.getMemberCount());
    assertEquals("olivia", created.getCreatedBy());
    assertEquals(
        RoomRole.ROOM_ROLE_OWNER,
        core.getRoom(OWNER, GetRoomRequest.newBuilder().setRoomId("general").build()).getSubscription().getRole());
    assertStatus(Status.Code.ALREADY_EXISTS, () -> room("general", RoomVisibility.ROOM_VISIBILITY_PRIVATE));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        () -> core.createRoom(OWNER, CreateRoomRequest.newBuilder().setRoomId("has space").setName("x").build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        () -> core.createRoom(OWNER, CreateRoomRequest.newBuilder().setName("").build()));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        () -> core.createRoom(OWNER, CreateRoomRequest.newBuilder().setName("x".repeat(201)).build()));
    assertTrue(core.createRoom(OWNER, CreateRoomRequest.newBuilder().setName("generated").build()).getRoom().getId().startsWith("r_"));
  }

  @Test
  void systemEventsComeFromServicePrincipalsOnly() {
    CallerIdentity bot = new CallerIdentity("notifier-bot", "default", CallerIdentity.Kind.SERVICE);
    core.createRoom(bot, CreateRoomRequest.newBuilder().setRoomId("ops").setName("ops").addInitialMembers(member(MEMBER, RoomRole.ROOM_ROLE_ADMIN)).build());
    SendEventRequest system =
        SendEventRequest.newBuilder()
            .setRoomId("ops")
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_SYSTEM).setSystem(SystemPayload.newBuilder().setCode("deploy_started")))
            .build();
    RoomEvent stored = core.sendEvent(bot, system);
    assertEquals("deploy_started", stored.getSystem().getCode());
    assertEquals("notifier-bot", stored.getSenderProfileId());
    assertStatus(Status.Code.PERMISSION_DENIED, () -> core.sendEvent(MEMBER, system));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        () -> core.sendEvent(bot, system.toBuilder().setEvent(system.getEvent().toBuilder().setSystem(SystemPayload.getDefaultInstance())).build()));
  }

  @Test
  void anEventTheBusRefusedIsNotStoredAndItsRetrySendsItOnce() {
    room("outage", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    long before = core.getRoom(MEMBER, GetRoomRequest.newBuilder().setRoomId("outage").build()).getRoom().getLastSequence();
    SendEventRequest send =
        SendEventRequest.newBuilder()
            .setRoomId("outage")
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("c-1").setText(TextPayload.newBuilder().setText("hi")))
            .build();
    busDown = true;
    assertStatus(Status.Code.UNAVAILABLE, () -> core.sendEvent(MEMBER, send));
    assertEquals(before, core.getRoom(MEMBER, GetRoomRequest.newBuilder().setRoomId("outage").build()).getRoom().getLastSequence(), "not stored");
    assertTrue(core.getHistory(MEMBER, GetHistoryRequest.newBuilder().setRoomId("outage").setAfterSequence(before).build()).getEventsList().isEmpty());

    busDown = false;
    RoomEvent stored = core.sendEvent(MEMBER, send);
    assertEquals(before + 1, stored.getSequence(), "the retry takes the next sequence: no hole");
    assertEquals(stored, core.sendEvent(MEMBER, send), "and a second retry is answered with the stored event");
    assertEquals(1, core.getHistory(MEMBER, GetHistoryRequest.newBuilder().setRoomId("outage").setAfterSequence(before).build()).getEventsCount());
    assertEquals(1, published.stream().filter(e -> e.hasRoomEvent() && e.getRoomEvent().getClientEventId().equals("c-1")).count(), "published once");
  }

  @Test
  void onlyMembersAdminsAndOwnersSendAndSequencesAreDense() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PUBLIC);
    published.clear();
    assertEquals(1, send(OWNER, "r1", "one", "").getSequence());
    assertEquals(2, send(ADMIN, "r1", "two", "").getSequence());
    RoomEvent third = send(MEMBER, "r1", "three", "");
    assertEquals(3, third.getSequence());
    assertEquals("mia", third.getSenderProfileId());
    assertEquals("phone", third.getSenderDeviceId());
    assertTrue(third.getId().startsWith("ev_"));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> send(GUEST, "r1", "guest", ""));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> send(STRANGER, "r1", "stranger", ""));
    assertStatus(Status.Code.NOT_FOUND, () -> send(OWNER, "nope", "x", ""));
    assertEquals(List.of(1L, 2L, 3L), published.stream().map(e -> e.getRoomEvent().getSequence()).toList());
  }

  @Test
  void sendRejectsEventsThatAreNotSendable() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    for (RoomEvent bad :
        List.of(
            RoomEvent.getDefaultInstance(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).build(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("")).build(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("x".repeat(16_385))).build(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_TYPING).build(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_REACTION).setReaction(ReactionPayload.newBuilder().setKey("+1")).build(),
            RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("c".repeat(129)).setText(TextPayload.newBuilder().setText("x")).build())) {
      assertStatus(
          Status.Code.INVALID_ARGUMENT,
          () -> core.sendEvent(MEMBER, SendEventRequest.newBuilder().setRoomId("r1").setEvent(bad).build()));
    }
  }

  @Test
  void aRepeatedClientEventIdReturnsTheStoredEventWithoutASecondCopy() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    published.clear();
    RoomEvent first = send(MEMBER, "r1", "hello", "client-1");
    RoomEvent again = send(MEMBER, "r1", "hello", "client-1");
    assertEquals(first, again);
    assertEquals(1, published.size());
    RoomEvent otherSender = send(ADMIN, "r1", "hello", "client-1");
    assertEquals(2, otherSender.getSequence(), "keys are per sender");
  }

  @Test
  void historyPagesBackwardForwardAndAfterASequence() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    for (int i = 1; i <= 120; i++) {
      send(MEMBER, "r1", "m" + i, "");
    }
    GetHistoryResponse newest = history(GetHistoryRequest.newBuilder().setRoomId("r1"));
    assertEquals(sequences(120, 71), seqs(newest));
    assertTrue(newest.getHasMore());
    GetHistoryResponse older = history(GetHistoryRequest.newBuilder().setRoomId("r1").setCursor(newest.getNextCursor()));
    assertEquals(sequences(70, 21), seqs(older));
    GetHistoryResponse oldest = history(GetHistoryRequest.newBuilder().setRoomId("r1").setCursor(older.getNextCursor()));
    assertEquals(sequences(20, 1), seqs(oldest));
    assertFalse(oldest.getHasMore());
    assertEquals("", oldest.getNextCursor().getToken());

    GetHistoryResponse missed = history(GetHistoryRequest.newBuilder().setRoomId("r1").setAfterSequence(100));
    assertEquals(sequences(101, 120), seqs(missed));
    assertFalse(missed.getHasMore());

    GetHistoryResponse forward =
        history(GetHistoryRequest.newBuilder().setRoomId("r1").setDirection(HistoryDirection.HISTORY_DIRECTION_FORWARD).setPageSize(100));
    assertEquals(sequences(1, 100), seqs(forward));
    send(MEMBER, "r1", "m121", "");
    GetHistoryResponse tail = history(GetHistoryRequest.newBuilder().setRoomId("r1").setCursor(forward.getNextCursor()));
    assertEquals(sequences(101, 121), seqs(tail), "a forward cursor follows new events");

    GetHistoryResponse backwardAfter =
        history(
            GetHistoryRequest.newBuilder()
                .setRoomId("r1")
                .setDirection(HistoryDirection.HISTORY_DIRECTION_BACKWARD)
                .setAfterSequence(115)
                .setPageSize(4));
    assertEquals(sequences(121, 118), seqs(backwardAfter));
    assertEquals(
        sequences(117, 116),
        seqs(history(GetHistoryRequest.newBuilder().setRoomId("r1").setCursor(backwardAfter.getNextCursor()))));

    assertStatus(Status.Code.INVALID_ARGUMENT, () -> history(GetHistoryRequest.newBuilder().setRoomId("r1").setCursor(PageCursor.newBuilder().setToken("garbage!"))));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> history(GetHistoryRequest.newBuilder().setRoomId("r1").setPageSize(201)));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> core.getHistory(STRANGER, GetHistoryRequest.newBuilder().setRoomId("r1").build()));
    assertEquals(50, core.getHistory(GUEST, GetHistoryRequest.newBuilder().setRoomId("r1").build()).getEventsCount(), "guests read");
  }

  @Test
  void rolesDecideWhoMayAddRemoveAndPromote() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    CallerIdentity newcomer = new CallerIdentity("nina", "phone");
    assertStatus(Status.Code.PERMISSION_DENIED, () -> add(MEMBER, "r1", newcomer, RoomRole.ROOM_ROLE_MEMBER));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> add(ADMIN, "r1", newcomer, RoomRole.ROOM_ROLE_ADMIN));
    add(ADMIN, "r1", newcomer, RoomRole.ROOM_ROLE_MEMBER);
    assertStatus(Status.Code.PERMISSION_DENIED, () -> role(ADMIN, "r1", "nina", RoomRole.ROOM_ROLE_ADMIN));
    role(ADMIN, "r1", "nina", RoomRole.ROOM_ROLE_GUEST);
    role(OWNER, "r1", "nina", RoomRole.ROOM_ROLE_ADMIN);
    assertStatus(Status.Code.PERMISSION_DENIED, () -> remove(ADMIN, "r1", "nina"));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> remove(ADMIN, "r1", "olivia"));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> role(ADMIN, "r1", "olivia", RoomRole.ROOM_ROLE_MEMBER));
    assertStatus(Status.Code.FAILED_PRECONDITION, () -> role(OWNER, "r1", "olivia", RoomRole.ROOM_ROLE_MEMBER));
    assertStatus(Status.Code.FAILED_PRECONDITION, () -> remove(OWNER, "r1", "olivia"));
    assertStatus(Status.Code.NOT_FOUND, () -> role(OWNER, "r1", "nobody", RoomRole.ROOM_ROLE_MEMBER));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> role(OWNER, "r1", "nina", RoomRole.ROOM_ROLE_UNSPECIFIED));
    published.clear();
    assertEquals(List.of("mia"), remove(MEMBER, "r1", "mia"), "anyone may leave");
    assertEquals(List.of("gus"), remove(ADMIN, "r1", "gus"));
    BusEnvelope change = published.poll();
    assertEquals(List.of("mia"), change.getMembershipChange().getRemovedProfileIdsList());
    assertEquals("", change.getProfileId(), "for the room's subscribers");
    BusEnvelope toHer = published.poll();
    assertEquals("mia", toHer.getProfileId(), "and for her own devices, on her channel");
    assertEquals("r1", toHer.getRoomId());
    assertEquals(List.of("mia"), toHer.getMembershipChange().getRemovedProfileIdsList());
    assertEquals("members_removed", published.poll().getRoomEvent().getSystem().getCode());
    role(OWNER, "r1", "nina", RoomRole.ROOM_ROLE_OWNER);
    assertEquals(List.of("olivia"), remove(OWNER, "r1", "olivia"), "with a second owner the first may leave");
  }

  @Test
  void publicRoomsCanBeJoinedAndReadByAnyoneButPrivateOnesCannot() {
    room("open", RoomVisibility.ROOM_VISIBILITY_PUBLIC);
    room("closed", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    assertFalse(core.getRoom(STRANGER, GetRoomRequest.newBuilder().setRoomId("open").build()).hasSubscription());
    assertStatus(Status.Code.PERMISSION_DENIED, () -> core.getRoom(STRANGER, GetRoomRequest.newBuilder().setRoomId("closed").build()));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> add(STRANGER, "closed", STRANGER, RoomRole.ROOM_ROLE_MEMBER));
    assertStatus(Status.Code.PERMISSION_DENIED, () -> add(STRANGER, "open", STRANGER, RoomRole.ROOM_ROLE_ADMIN));
    add(STRANGER, "open", STRANGER, RoomRole.ROOM_ROLE_UNSPECIFIED);
    assertEquals(2, send(STRANGER, "open", "hi", "").getSequence(), "the join wrote system event 1, this is 2");
    List<String> visible =
        core.searchRooms(STRANGER, SearchRoomsRequest.getDefaultInstance()).stream().map(r -> r.getRoom().getId()).toList();
    assertEquals(List.of("open"), visible);
    assertEquals(List.of("closed", "open"), core.searchRooms(MEMBER, SearchRoomsRequest.newBuilder().setJoinedOnly(true).build()).stream().map(r -> r.getRoom().getId()).toList());
    assertEquals(List.of("closed"), core.searchRooms(MEMBER, SearchRoomsRequest.newBuilder().setQuery("CLOS").build()).stream().map(r -> r.getRoom().getId()).toList());
    // Paged in room id order: after the last id of the previous page.
    assertEquals(List.of("closed"), core.searchRooms(MEMBER, SearchRoomsRequest.newBuilder().setJoinedOnly(true).setLimit(1).build()).stream().map(r -> r.getRoom().getId()).toList());
    assertEquals(List.of("open"), core.searchRooms(MEMBER, SearchRoomsRequest.newBuilder().setJoinedOnly(true).setLimit(1).setAfterRoomId("closed").build())
        .stream().map(r -> r.getRoom().getId()).toList());
    assertEquals(List.of(), core.searchRooms(MEMBER, SearchRoomsRequest.newBuilder().setJoinedOnly(true).setAfterRoomId("open").build()));
  }

  @Test
  void everyMemberAddedOrCreatedWithARoomIsToldOnItsOwnChannel() {
    published.clear();
    room("told", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    List<String> toldAtCreation = published.stream().filter(e -> !e.getProfileId().isEmpty()).map(BusEnvelope::getProfileId).sorted().toList();
    assertEquals(List.of(ADMIN, GUEST, MEMBER, OWNER).stream().map(CallerIdentity::profileId).sorted().toList(), toldAtCreation, "each member once");
    assertTrue(published.stream().filter(e -> !e.getProfileId().isEmpty())
        .allMatch(e -> e.getRoomId().equals("told") && e.getMembershipChange().getAddedProfileIdsList().equals(List.of(e.getProfileId()))));
    // Best effort: a bus that refuses the notices does not undo the room made already.
    busDown = true;
    try {
      assertEquals("quiet", room("quiet", RoomVisibility.ROOM_VISIBILITY_PRIVATE).getId());
    } finally {
      busDown = false;
    }
    published.clear();
    add(OWNER, "told", STRANGER, RoomRole.ROOM_ROLE_MEMBER);
    List<BusEnvelope> toStranger = published.stream().filter(e -> e.getProfileId().equals(STRANGER.profileId())).toList();
    assertEquals(1, toStranger.size(), published.toString());
    assertEquals(List.of(STRANGER.profileId()), toStranger.get(0).getMembershipChange().getAddedProfileIdsList());
  }

  @Test
  void editsBelongToTheSenderAndRedactionsToTheSenderOrModerators() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    RoomEvent original = send(MEMBER, "r1", "helo", "");
    assertStatus(Status.Code.PERMISSION_DENIED, () -> edit(ADMIN, original, "hello"));
    assertStatus(Status.Code.NOT_FOUND, () -> edit(MEMBER, original.toBuilder().setId("ev_missing").build(), "hello"));
    edit(MEMBER, original, "hello");
    RoomEvent stored = history(GetHistoryRequest.newBuilder().setRoomId("r1").setAfterSequence(0).setDirection(HistoryDirection.HISTORY_DIRECTION_FORWARD)).getEvents(0);
    assertEquals("hello", stored.getText().getText());
    assertTrue(stored.getEdited());
    RoomEvent other = send(MEMBER, "r1", "secret", "");
    assertStatus(Status.Code.PERMISSION_DENIED, () -> redact(STRANGER, other));
    redact(ADMIN, other);
    RoomEvent redacted = history(GetHistoryRequest.newBuilder().setRoomId("r1").setAfterSequence(2).setPageSize(1)).getEvents(0);
    assertTrue(redacted.getRedacted());
    assertEquals(RoomEvent.PayloadCase.PAYLOAD_NOT_SET, redacted.getPayloadCase());
    assertStatus(Status.Code.FAILED_PRECONDITION, () -> edit(MEMBER, other, "again"));
  }

  @Test
  void onlyOwnersDeleteAndDeletionIsPublished() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    assertStatus(Status.Code.PERMISSION_DENIED, () -> core.deleteRoom(ADMIN, DeleteRoomRequest.newBuilder().setRoomId("r1").build()));
    published.clear();
    core.deleteRoom(OWNER, DeleteRoomRequest.newBuilder().setRoomId("r1").build());
    assertEquals("r1", published.poll().getRoomDeleted().getRoomId());
    assertStatus(Status.Code.NOT_FOUND, () -> core.getRoom(OWNER, GetRoomRequest.newBuilder().setRoomId("r1").build()));
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE); // the id is free again
  }

  @Test
  void updateRoomHonoursTheMaskAndTheRole() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    UpdateRoomRequest rename =
        UpdateRoomRequest.newBuilder()
            .setRoom(Room.newBuilder().setId("r1").setName("Renamed").setDescription("ignored"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("name"))
            .build();
    assertStatus(Status.Code.PERMISSION_DENIED, () -> core.updateRoom(MEMBER, rename));
    Room renamed = core.updateRoom(ADMIN, rename).getRoom();
    assertEquals("Renamed", renamed.getName());
    assertEquals("", renamed.getDescription());
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> core.updateRoom(ADMIN, rename.toBuilder().setUpdateMask(FieldMask.newBuilder().addPaths("created_by")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> core.updateRoom(ADMIN, rename.toBuilder().clearUpdateMask().build()));
  }

  @Test
  void membersArePagedByProfileIdWithPrefixAndRoleFilters() {
    core.createRoom(OWNER, CreateRoomRequest.newBuilder().setRoomId("big").setName("big").build());
    List<SubscriptionSpec> specs = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      specs.add(SubscriptionSpec.newBuilder().setProfileId(String.format("user%02d", i)).setRole(i % 3 == 0 ? RoomRole.ROOM_ROLE_GUEST : RoomRole.ROOM_ROLE_MEMBER).build());
    }
    core.addSubscriptions(OWNER, AddRoomSubscriptionsRequest.newBuilder().setRoomId("big").addAllMembers(specs).build());
    List<String> seen = new ArrayList<>();
    PageCursor cursor = PageCursor.getDefaultInstance();
    do {
      SearchRoomSubscriptionsResponse page =
          core.searchSubscriptions(
              OWNER,
              SearchRoomSubscriptionsRequest.newBuilder().setRoomId("big").setProfileIdPrefix("user").setPageSize(7).setCursor(cursor).build());
      page.getSubscriptionsList().forEach(s -> seen.add(s.getProfileId()));
      cursor = page.getNextCursor();
    } while (!cursor.getToken().isEmpty());
    assertEquals(30, seen.size());
    assertEquals(seen.stream().sorted().toList(), seen);
    assertEquals(
        10,
        core.searchSubscriptions(OWNER, SearchRoomSubscriptionsRequest.newBuilder().setRoomId("big").setRole(RoomRole.ROOM_ROLE_GUEST).build()).getSubscriptionsCount());
  }

  @Test
  void receiptsOnlyMoveForwardAndArePublishedWhenTheyDo() {
    room("r1", RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    send(OWNER, "r1", "a", "");
    send(OWNER, "r1", "b", "");
    published.clear();
    assertEquals(2, receipt(MEMBER, ReceiptKind.RECEIPT_KIND_DELIVERED, 2).getLastDeliveredSequence());
    assertEquals(2, receipt(MEMBER, ReceiptKind.RECEIPT_KIND_DELIVERED, 1).getLastDeliveredSequence(), "never backwards");
    assertEquals(1, receipt(MEMBER, ReceiptKind.RECEIPT_KIND_READ, 1).getLastReadSequence());
    assertEquals(3, published.size());
    assertEquals("phone", published.poll().getReceipt().getDeviceId());
    BusEnvelope toRoom = published.poll();
    assertEquals(1, toRoom.getReadMarker().getUpToSequence());
    assertEquals("", toRoom.getProfileId());
    BusEnvelope toReader = published.poll();
    assertEquals(MEMBER.profileId(), toReader.getProfileId(), "and to the reader's own devices");
    assertEquals(toRoom.getReadMarker(), toReader.getReadMarker());
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> receipt(MEMBER, ReceiptKind.RECEIPT_KIND_READ, 3));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> receipt(MEMBER, ReceiptKind.RECEIPT_KIND_UNSPECIFIED, 1));
  }

  @Test
  void concurrentSendersGetDenseSequencesPublishedInOrderPerRoom() throws Exception {
    List<String> rooms = List.of("a", "b", "c");
    for (String id : rooms) {
      room(id, RoomVisibility.ROOM_VISIBILITY_PRIVATE);
    }
    published.clear();
    int threads = 8;
    int perThread = 500;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      CallerIdentity sender = List.of(OWNER, ADMIN, MEMBER).get(t % 3);
      int thread = t;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                  send(sender, rooms.get(i % rooms.size()), "m", "t" + thread + "-" + i);
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    Map<String, Long> lastSeen = new HashMap<>();
    for (BusEnvelope envelope : published) {
      long previous = lastSeen.getOrDefault(envelope.getRoomId(), 0L);
      assertEquals(previous + 1, envelope.getRoomEvent().getSequence(), "room " + envelope.getRoomId());
      lastSeen.put(envelope.getRoomId(), envelope.getRoomEvent().getSequence());
    }
    assertEquals(threads * perThread, lastSeen.values().stream().mapToLong(Long::longValue).sum());
  }

  // ------------------------------------------------------------------ helpers

  private static SubscriptionSpec member(CallerIdentity who, RoomRole role) {
    return SubscriptionSpec.newBuilder().setProfileId(who.profileId()).setRole(role).build();
  }

  private RoomEvent send(CallerIdentity who, String roomId, String text, String clientEventId) {
    return core.sendEvent(
        who,
        SendEventRequest.newBuilder()
            .setRoomId(roomId)
            .setEvent(
                RoomEvent.newBuilder()
                    .setType(EventType.EVENT_TYPE_MESSAGE)
                    .setClientEventId(clientEventId)
                    .setText(TextPayload.newBuilder().setText(text)))
            .build());
  }

  private RoomEvent edit(CallerIdentity who, RoomEvent target, String text) {
    return core.sendEvent(
        who,
        SendEventRequest.newBuilder()
            .setRoomId(target.getRoomId())
            .setEvent(
                RoomEvent.newBuilder()
                    .setType(EventType.EVENT_TYPE_EDIT)
                    .setParentId(target.getId())
                    .setText(TextPayload.newBuilder().setText(text)))
            .build());
  }

  private RoomEvent redact(CallerIdentity who, RoomEvent target) {
    return core.sendEvent(
        who,
        SendEventRequest.newBuilder()
            .setRoomId(target.getRoomId())
            .setEvent(RoomEvent.newBuilder().setType(EventType.EVENT_TYPE_REDACTION).setParentId(target.getId()))
            .build());
  }

  private GetHistoryResponse history(GetHistoryRequest.Builder request) {
    return core.getHistory(MEMBER, request.build());
  }

  private void add(CallerIdentity who, String roomId, CallerIdentity newcomer, RoomRole role) {
    core.addSubscriptions(who, AddRoomSubscriptionsRequest.newBuilder().setRoomId(roomId).addMembers(member(newcomer, role)).build());
  }

  private List<String> remove(CallerIdentity who, String roomId, String profileId) {
    return core.removeSubscriptions(who, RemoveRoomSubscriptionsRequest.newBuilder().setRoomId(roomId).addProfileIds(profileId).build())
        .getRemovedProfileIdsList();
  }

  private void role(CallerIdentity who, String roomId, String profileId, RoomRole role) {
    core.updateRole(who, UpdateSubscriptionRoleRequest.newBuilder().setRoomId(roomId).setProfileId(profileId).setRole(role).build());
  }

  private io.chatgateway.proto.v1.RoomSubscription receipt(CallerIdentity who, ReceiptKind kind, long upTo) {
    return core.updateReceipt(who, UpdateReceiptRequest.newBuilder().setRoomId("r1").setKind(kind).setUpToSequence(upTo).build()).getSubscription();
  }

  private static List<Long> seqs(GetHistoryResponse page) {
    return page.getEventsList().stream().map(RoomEvent::getSequence).toList();
  }

  private static List<Long> sequences(long from, long to) {
    List<Long> result = new ArrayList<>();
    if (from <= to) {
      for (long s = from; s <= to; s++) result.add(s);
    } else {
      for (long s = from; s >= to; s--) result.add(s);
    }
    return result;
  }

  private static void assertStatus(Status.Code expected, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call.run());
    assertEquals(expected, e.getStatus().getCode(), e.getStatus().toString());
  }

  @FunctionalInterface
  interface Executable {
    void run() throws Exception;
  }
}
