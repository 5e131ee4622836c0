package io.chatgateway.core;

import static io.chatgateway.core.RoomPermissions.denied;
import static io.chatgateway.core.RequestLimits.invalid;

import com.google.protobuf.Timestamp;
import io.chatgateway.bus.EventPublisher;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.Ids;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.AddRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.CreateRoomResponse;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.PageCursor;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.NotifyProfilesRequest;
import io.chatgateway.proto.v1.NotifyProfilesResponse;
import io.chatgateway.proto.v1.RoomDeleted;
import io.chatgateway.proto.v1.UserNotice;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomRole;
import io.chatgateway.proto.v1.RoomSubscription;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.chatgateway.proto.v1.UpdateRoomResponse;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleResponse;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The in-memory core: rooms, members with roles, per-room sequenced history, receipts.
 *
 * <p>Thread-safe. Rooms live in a concurrent map; each operation on a room holds that room's monitor
 * for its whole read-check-write, and publishes to the bus before releasing it, so subscribers see a
 * room's envelopes in sequence order. Operations on different rooms run in parallel. Every method
 * throws {@link io.grpc.StatusRuntimeException} with the status documented on its RPC.
 */
public final class ChatCore implements AutoCloseable {

  static final int DEFAULT_HISTORY_PAGE = 50;
  static final int MAX_HISTORY_PAGE = 200;
  static final int DEFAULT_SEARCH_LIMIT = 100;
  static final int MAX_SEARCH_LIMIT = 1_000;

  private final RoomStore store;
  private final RoomMembers members;

  /**
   * @param publisher receives every accepted change, called under the room's monitor
   * @param originId names this core in published envelopes
   */
  public ChatCore(EventPublisher publisher, Clock clock, String originId) {
    this(new RoomStore(publisher, clock, originId));
  }

  private ChatCore(RoomStore store) {
    this.store = store;
    this.members = new RoomMembers(store);
  }

  /**
   * A core that keeps every change in {@code journalFile} and starts from what it holds, so it
   * survives its own restart; see {@link CoreJournal}. Throws when the file cannot be read or written.
   */
  public static ChatCore recover(EventPublisher publisher, Clock clock, String originId, Path journalFile) throws IOException {
    return new ChatCore(new RoomStore(publisher, clock, originId, journalFile));
  }

  /** Closes the journal, if any; the core answers nothing after this. */
  @Override
  public void close() {
    store.journal().close();
  }

  /** Rooms held now (for logs at start). */
  public int roomCount() {
    return store.rooms().size();
  }

  // ---------------------------------------------------------------- events

  /** Stores one event (or returns the one already stored under its client_event_id). */
  public RoomEvent sendEvent(CallerIdentity caller, SendEventRequest request) {
    String roomId =
        RequestLimits.roomId(request.getRoomId().isEmpty() ? request.getEvent().getRoomId() : request.getRoomId());
    RoomEvent event = request.getEvent();
    EventRules.validateSendable(event, caller);
    RoomState room = store.existing(roomId);
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
      if (!RoomPermissions.canSend(self.getRole())) {
        throw denied("guests may read room " + roomId + " but not send to it");
      }
      if (!event.getClientEventId().isEmpty()) {
        RoomEvent earlier = room.eventByClientKey(caller.profileId(), event.getClientEventId());
        if (earlier != null) {
          return earlier;
        }
      }
      RoomEvent parent = EventRules.checkParent(room, event, caller, self.getRole());
      Timestamp now = store.now();
      RoomEvent stored =
          event.toBuilder()
              .setId(RoomStore.newId("ev_"))
              .setRoomId(roomId)
              .setSenderProfileId(caller.profileId())
              .setSenderDeviceId(caller.deviceId())
              .setSequence(room.lastSequence() + 1)
              .setSentTime(now)
              .clearEdited()
              .clearEditTime()
              .clearRedacted()
              .build();
      // Published before it is kept: an event the bus refused is not stored either, so the sender's
      // UNAVAILABLE means "not sent" and a retry with the same client_event_id sends it once.
      store.storeEvent(room, stored);
      if (parent != null) {
        RoomEvent changed = EventRules.applyToParent(parent, stored, now);
        if (changed != parent) {
          room.replaceEvent(changed);
          store.journal().eventReplaced(changed);
        }
      }
      return stored;
    }
  }

  /** One page of a room's history; see {@code GetHistoryRequest} for the paging rules. */
  public GetHistoryResponse getHistory(CallerIdentity caller, GetHistoryRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    int pageSize = RequestLimits.pageSize("page_size", request.getPageSize(), DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE);
    if (request.getAfterSequence() < 0) {
      throw invalid("after_sequence must not be negative");
    }
    synchronized (room) {
      RoomStore.requireMember(room, caller);
      long last = room.lastSequence();
      boolean forward;
      long position;
      long lowerBound;
      if (!request.getCursor().getToken().isEmpty()) {
        String[] fields = PageTokens.decode(request.getCursor(), "history", 3);
        forward = "f".equals(fields[0]);
        position = PageTokens.decodeLong(fields[1]);
        lowerBound = PageTokens.decodeLong(fields[2]);
      } else {
        HistoryDirection direction = request.getDirection();
        forward =
            direction == HistoryDirection.HISTORY_DIRECTION_FORWARD
                || (direction == HistoryDirection.HISTORY_DIRECTION_UNSPECIFIED && request.getAfterSequence() > 0);
        position = forward ? request.getAfterSequence() : last + 1;
        lowerBound = request.getAfterSequence();
      }
      GetHistoryResponse.Builder page = GetHistoryResponse.newBuilder();
      if (forward) {
        long from = position + 1;
        long to = Math.min(last, position + pageSize);
        for (long seq = from; seq <= to; seq++) {
          page.addEvents(room.eventAt(seq));
        }
        boolean more = to < last;
        page.setHasMore(more);
        page.setNextCursor(more ? PageTokens.encode("history", "f", Long.toString(to), "0") : PageCursor.getDefaultInstance());
      } else {
        long high = Math.min(position - 1, last);
        long low = Math.max(lowerBound + 1, high - pageSize + 1);
        for (long seq = high; seq >= low; seq--) {
          page.addEvents(room.eventAt(seq));
        }
        boolean more = low > lowerBound + 1;
        page.setHasMore(more);
        page.setNextCursor(
            more
                ? PageTokens.encode("history", "b", Long.toString(low), Long.toString(lowerBound))
                : PageCursor.getDefaultInstance());
      }
      return page.build();
    }
  }

  /** Records a read marker or delivery receipt and relays it when it moved forward. */
  public UpdateReceiptResponse updateReceipt(CallerIdentity caller, UpdateReceiptRequest request) {
    return members.updateReceipt(caller, request);
  }

  // ---------------------------------------------------------------- rooms

  /** Creates a room owned by the caller. */
  public CreateRoomResponse createRoom(CallerIdentity caller, CreateRoomRequest request) {
    String roomId = request.getRoomId().isEmpty() ? RoomStore.newId("r_") : RequestLimits.roomId(request.getRoomId());
    RequestLimits.length("name", request.getName(), 1, RequestLimits.MAX_ROOM_NAME);
    RequestLimits.length("description", request.getDescription(), 0, RequestLimits.MAX_DESCRIPTION);
    RequestLimits.encodedSize("metadata", request.getMetadata(), RequestLimits.MAX_METADATA_BYTES);
    RequestLimits.batch("initial_members", request.getInitialMembersCount());
    Timestamp now = store.now();
    Room room =
        Room.newBuilder()
            .setId(roomId)
            .setName(request.getName())
            .setDescription(request.getDescription())
            .setVisibility(RoomStore.visibilityOrPrivate(request.getVisibility()))
            .setMetadata(request.getMetadata())
            .setCreatedBy(caller.profileId())
            .setCreateTime(now)
            .setUpdateTime(now)
            .build();
    RoomState state = new RoomState(room);
    state.putMember(RoomStore.subscription(roomId, caller.profileId(), RoomRole.ROOM_ROLE_OWNER, now));
    for (SubscriptionSpec spec : request.getInitialMembersList()) {
      String profileId = RequestLimits.profileId("initial_members.profile_id", spec.getProfileId());
      if (!profileId.equals(caller.profileId())) {
        state.putMember(RoomStore.subscription(roomId, profileId, RoomPermissions.orMember(spec.getRole()), now));
      }
    }
    synchronized (state) {
      if (store.rooms().putIfAbsent(roomId, state) != null) {
        throw Status.ALREADY_EXISTS.withDescription("room " + roomId + " already exists").asRuntimeException();
      }
      store.journal().roomCreated(state);
      store.publishMembership(roomId, state.members().keySet(), true);
      return CreateRoomResponse.newBuilder().setRoom(state.snapshot()).build();
    }
  }

  /**
   * Publishes a notice to every device of each listed profile. Service principals only; nothing is
   * stored (a profile without a connected device does not get it later).
   */
  public NotifyProfilesResponse notifyProfiles(CallerIdentity caller, NotifyProfilesRequest request) {
    if (!caller.service()) {
      throw Status.PERMISSION_DENIED.withDescription("notices are sent by service principals only").asRuntimeException();
    }
    if (request.getProfileIdsCount() == 0) {
      throw invalid("profile_ids must name 1 to " + RequestLimits.MAX_BATCH + " profiles");
    }
    RequestLimits.batch("profile_ids", request.getProfileIdsCount());
    for (int i = 0; i < request.getProfileIdsCount(); i++) {
      RequestLimits.profileId("profile_ids[" + i + "]", request.getProfileIds(i));
    }
    UserNotice asked = request.getNotice();
    if (!NOTICE_KIND.matcher(asked.getKind()).matches()) {
      throw invalid("notice.kind must be 1 to 64 characters of [A-Za-z0-9._:-], got '" + Ids.clip(asked.getKind()) + "'");
    }
    RequestLimits.length("notice.text", asked.getText(), 0, RequestLimits.MAX_NOTICE_TEXT);
    RequestLimits.encodedSize("notice.data", asked.getData(), RequestLimits.MAX_METADATA_BYTES);
    UserNotice notice = asked.toBuilder().setSenderId(caller.profileId()).setSendTime(store.now()).build();
    for (String profileId : new LinkedHashSet<>(request.getProfileIdsList())) {
      store.publish(store.envelope("").setProfileId(profileId).setNotice(notice));
    }
    return NotifyProfilesResponse.newBuilder().setNotice(notice).build();
  }

  private static final Pattern NOTICE_KIND = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /** Reads a room the caller is a member of, or any public room. */
  public GetRoomResponse getRoom(CallerIdentity caller, GetRoomRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    synchronized (room) {
      RoomStore.checkNotDeleted(room);
      RoomSubscription self = room.member(caller.profileId());
      if (self == null && room.room().getVisibility() != RoomVisibility.ROOM_VISIBILITY_PUBLIC) {
        throw RoomStore.notMember(room.id());
      }
      GetRoomResponse.Builder response = GetRoomResponse.newBuilder().setRoom(room.snapshot());
      if (self != null) {
        response.setSubscription(self);
      }
      return response.build();
    }
  }

  /** Rooms the caller may see that match the query, ordered by id. */
  public List<SearchRoomsResponse> searchRooms(CallerIdentity caller, SearchRoomsRequest request) {
    int limit = RequestLimits.pageSize("limit", request.getLimit(), DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
    String query = request.getQuery().toLowerCase(Locale.ROOT);
    List<SearchRoomsResponse> results = new ArrayList<>();
    for (RoomState room : store.rooms().tailMap(request.getAfterRoomId(), false).values()) {
      if (results.size() >= limit) {
        break;
      }
      synchronized (room) {
        if (room.deleted()) {
          continue;
        }
        RoomSubscription self = room.member(caller.profileId());
        boolean visible =
            self != null
                || (!request.getJoinedOnly() && room.room().getVisibility() == RoomVisibility.ROOM_VISIBILITY_PUBLIC);
        if (!visible || !RoomStore.matches(room.room(), query)) {
          continue;
        }
        SearchRoomsResponse.Builder result = SearchRoomsResponse.newBuilder().setRoom(room.snapshot());
        if (self != null) {
          result.setSubscription(self);
        }
        results.add(result.build());
      }
    }
    return results;
  }

  /** Changes the fields named by the update mask. Admins and owners only. */
  public UpdateRoomResponse updateRoom(CallerIdentity caller, UpdateRoomRequest request) {
    Room changes = request.getRoom();
    RoomState room = store.existing(RequestLimits.roomId(changes.getId()));
    if (request.getUpdateMask().getPathsCount() == 0) {
      throw invalid("update_mask must name at least one of name, description, visibility, metadata");
    }
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
      if (!RoomPermissions.canManageRoom(self.getRole())) {
        throw denied("only admins and owners may update room " + room.id());
      }
      Room.Builder updated = room.room().toBuilder();
      for (String path : request.getUpdateMask().getPathsList()) {
        switch (path) {
          case "name" -> {
            RequestLimits.length("room.name", changes.getName(), 1, RequestLimits.MAX_ROOM_NAME);
            updated.setName(changes.getName());
          }
          case "description" -> {
            RequestLimits.length("room.description", changes.getDescription(), 0, RequestLimits.MAX_DESCRIPTION);
            updated.setDescription(changes.getDescription());
          }
          case "visibility" -> updated.setVisibility(RoomStore.visibilityOrPrivate(changes.getVisibility()));
          case "metadata" -> {
            RequestLimits.encodedSize("room.metadata", changes.getMetadata(), RequestLimits.MAX_METADATA_BYTES);
            updated.setMetadata(changes.getMetadata());
          }
          default -> throw invalid("update_mask path '" + path + "' is not one of name, description, visibility, metadata");
        }
      }
      room.replaceRoom(updated.setUpdateTime(store.now()).build());
      store.journal().roomUpdated(room.room());
      return UpdateRoomResponse.newBuilder().setRoom(room.snapshot()).build();
    }
  }

  /** Deletes a room with its members and history. Owners only. */
  public void deleteRoom(CallerIdentity caller, DeleteRoomRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
      if (!RoomPermissions.canDeleteRoom(self.getRole())) {
        throw denied("only owners may delete room " + room.id());
      }
      room.markDeleted();
      store.rooms().remove(room.id(), room);
      store.journal().roomDeleted(room.id());
      store.publish(store.envelope(room.id()).setRoomDeleted(RoomDeleted.newBuilder().setRoomId(room.id())));
    }
  }

  /** Adds members; see the RPC for who may add whom. All-or-nothing. */
  public AddRoomSubscriptionsResponse addSubscriptions(CallerIdentity caller, AddRoomSubscriptionsRequest request) {
    return members.add(caller, request);
  }

  /** Removes members; see the RPC for who may remove whom. All-or-nothing. */
  public RemoveRoomSubscriptionsResponse removeSubscriptions(CallerIdentity caller, RemoveRoomSubscriptionsRequest request) {
    return members.remove(caller, request);
  }

  /** Changes one member's role. */
  public UpdateSubscriptionRoleResponse updateRole(CallerIdentity caller, UpdateSubscriptionRoleRequest request) {
    return members.updateRole(caller, request);
  }

  /** A page of a room's members ordered by profile id. */
  public SearchRoomSubscriptionsResponse searchSubscriptions(CallerIdentity caller, SearchRoomSubscriptionsRequest request) {
    return members.search(caller, request);
  }
}
