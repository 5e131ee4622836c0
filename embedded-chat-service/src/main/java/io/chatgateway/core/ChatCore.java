package io.chatgateway.core;

import static io.chatgateway.core.RoomPermissions.denied;
import static io.chatgateway.core.RequestLimits.invalid;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.bus.EventPublisher;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.AddRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.CreateRoomResponse;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.PageCursor;
import io.chatgateway.proto.v1.ReadMarkerEvent;
import io.chatgateway.proto.v1.ReceiptEvent;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomDeleted;
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
import io.chatgateway.proto.v1.SystemPayload;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.chatgateway.proto.v1.UpdateRoomResponse;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleResponse;
import io.grpc.Status;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The in-memory core: rooms, members with roles, per-room sequenced history, receipts.
 *
 * <p>Thread-safe. Rooms live in a concurrent map; each operation on a room holds that room's monitor
 * for its whole read-check-write, and publishes to the bus before releasing it, so subscribers see a
 * room's envelopes in sequence order. Operations on different rooms run in parallel. Every method
 * throws {@link io.grpc.StatusRuntimeException} with the status documented on its RPC.
 */
public final class ChatCore {

  static final int DEFAULT_HISTORY_PAGE = 50;
  static final int MAX_HISTORY_PAGE = 200;
  static final int DEFAULT_MEMBER_PAGE = 100;
  static final int MAX_MEMBER_PAGE = 500;
  static final int DEFAULT_SEARCH_LIMIT = 100;
  static final int MAX_SEARCH_LIMIT = 1_000;

  private final ConcurrentSkipListMap<String, RoomState> rooms = new ConcurrentSkipListMap<>();
  private final EventPublisher publisher;
  private final Clock clock;
  private final String originId;

  /**
   * @param publisher receives every accepted change, called under the room's monitor
   * @param originId names this core in published envelopes
   */
  public ChatCore(EventPublisher publisher, Clock clock, String originId) {
    this.publisher = requireNonNull(publisher, "publisher");
    this.clock = requireNonNull(clock, "clock");
    this.originId = requireNonNull(originId, "originId");
  }

  // ---------------------------------------------------------------- events

  /** Stores one event (or returns the one already stored under its client_event_id). */
  public RoomEvent sendEvent(CallerIdentity caller, SendEventRequest request) {
    String roomId =
        RequestLimits.roomId(request.getRoomId().isEmpty() ? request.getEvent().getRoomId() : request.getRoomId());
    RoomEvent event = request.getEvent();
    EventRules.validateSendable(event);
    RoomState room = existing(roomId);
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
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
      Timestamp now = now();
      RoomEvent stored =
          event.toBuilder()
              .setId(newId("ev_"))
              .setRoomId(roomId)
              .setSenderProfileId(caller.profileId())
              .setSenderDeviceId(caller.deviceId())
              .setSequence(room.lastSequence() + 1)
              .setSentTime(now)
              .clearEdited()
              .clearEditTime()
              .clearRedacted()
              .build();
      room.append(stored);
      if (parent != null) {
        RoomEvent changed = EventRules.applyToParent(parent, stored, now);
        if (changed != parent) {
          room.replaceEvent(changed);
        }
      }
      publish(envelope(roomId).setRoomEvent(stored));
      return stored;
    }
  }

  /** One page of a room's history; see {@code GetHistoryRequest} for the paging rules. */
  public GetHistoryResponse getHistory(CallerIdentity caller, GetHistoryRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    int pageSize = RequestLimits.pageSize("page_size", request.getPageSize(), DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE);
    if (request.getAfterSequence() < 0) {
      throw invalid("after_sequence must not be negative");
    }
    synchronized (room) {
      requireMember(room, caller);
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
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    ReceiptKind kind = request.getKind();
    if (kind != ReceiptKind.RECEIPT_KIND_READ && kind != ReceiptKind.RECEIPT_KIND_DELIVERED) {
      throw invalid("kind must be RECEIPT_KIND_READ or RECEIPT_KIND_DELIVERED");
    }
    long upTo = request.getUpToSequence();
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
      if (upTo < 0 || upTo > room.lastSequence()) {
        throw invalid("up_to_sequence must be 0 to the room's last sequence " + room.lastSequence() + ", got " + upTo);
      }
      RoomSubscription.Builder updated = self.toBuilder();
      // Reading implies delivery.
      boolean deliveredMoved = upTo > self.getLastDeliveredSequence();
      if (deliveredMoved) {
        updated.setLastDeliveredSequence(upTo);
      }
      boolean readMoved = kind == ReceiptKind.RECEIPT_KIND_READ && upTo > self.getLastReadSequence();
      if (readMoved) {
        updated.setLastReadSequence(upTo);
      }
      RoomSubscription result = updated.build();
      room.putMember(result);
      if (readMoved) {
        publish(
            envelope(room.id())
                .setReadMarker(
                    ReadMarkerEvent.newBuilder()
                        .setRoomId(room.id())
                        .setProfileId(caller.profileId())
                        .setUpToSequence(upTo)));
      } else if (deliveredMoved) {
        publish(
            envelope(room.id())
                .setReceipt(
                    ReceiptEvent.newBuilder()
                        .setRoomId(room.id())
                        .setProfileId(caller.profileId())
                        .setDeviceId(caller.deviceId())
                        .setUpToSequence(upTo)));
      }
      return UpdateReceiptResponse.newBuilder().setSubscription(result).build();
    }
  }

  // ---------------------------------------------------------------- rooms

  /** Creates a room owned by the caller. */
  public CreateRoomResponse createRoom(CallerIdentity caller, CreateRoomRequest request) {
    String roomId = request.getRoomId().isEmpty() ? newId("r_") : RequestLimits.roomId(request.getRoomId());
    RequestLimits.length("name", request.getName(), 1, RequestLimits.MAX_ROOM_NAME);
    RequestLimits.length("description", request.getDescription(), 0, RequestLimits.MAX_DESCRIPTION);
    RequestLimits.encodedSize("metadata", request.getMetadata(), RequestLimits.MAX_METADATA_BYTES);
    RequestLimits.batch("initial_members", request.getInitialMembersCount());
    Timestamp now = now();
    Room room =
        Room.newBuilder()
            .setId(roomId)
            .setName(request.getName())
            .setDescription(request.getDescription())
            .setVisibility(visibilityOrPrivate(request.getVisibility()))
            .setMetadata(request.getMetadata())
            .setCreatedBy(caller.profileId())
            .setCreateTime(now)
            .setUpdateTime(now)
            .build();
    RoomState state = new RoomState(room);
    state.putMember(subscription(roomId, caller.profileId(), RoomRole.ROOM_ROLE_OWNER, now));
    for (SubscriptionSpec spec : request.getInitialMembersList()) {
      String profileId = RequestLimits.profileId("initial_members.profile_id", spec.getProfileId());
      if (!profileId.equals(caller.profileId())) {
        state.putMember(subscription(roomId, profileId, RoomPermissions.orMember(spec.getRole()), now));
      }
    }
    if (rooms.putIfAbsent(roomId, state) != null) {
      throw Status.ALREADY_EXISTS.withDescription("room " + roomId + " already exists").asRuntimeException();
    }
    synchronized (state) {
      return CreateRoomResponse.newBuilder().setRoom(state.snapshot()).build();
    }
  }

  /** Reads a room the caller is a member of, or any public room. */
  public GetRoomResponse getRoom(CallerIdentity caller, GetRoomRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    synchronized (room) {
      checkNotDeleted(room);
      RoomSubscription self = room.member(caller.profileId());
      if (self == null && room.room().getVisibility() != RoomVisibility.ROOM_VISIBILITY_PUBLIC) {
        throw notMember(room.id());
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
    for (RoomState room : rooms.values()) {
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
        if (!visible || !matches(room.room(), query)) {
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
    RoomState room = existing(RequestLimits.roomId(changes.getId()));
    if (request.getUpdateMask().getPathsCount() == 0) {
      throw invalid("update_mask must name at least one of name, description, visibility, metadata");
    }
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
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
          case "visibility" -> updated.setVisibility(visibilityOrPrivate(changes.getVisibility()));
          case "metadata" -> {
            RequestLimits.encodedSize("room.metadata", changes.getMetadata(), RequestLimits.MAX_METADATA_BYTES);
            updated.setMetadata(changes.getMetadata());
          }
          default -> throw invalid("update_mask path '" + path + "' is not one of name, description, visibility, metadata");
        }
      }
      room.replaceRoom(updated.setUpdateTime(now()).build());
      return UpdateRoomResponse.newBuilder().setRoom(room.snapshot()).build();
    }
  }

  /** Deletes a room with its members and history. Owners only. */
  public void deleteRoom(CallerIdentity caller, DeleteRoomRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
      if (!RoomPermissions.canDeleteRoom(self.getRole())) {
        throw denied("only owners may delete room " + room.id());
      }
      room.markDeleted();
      rooms.remove(room.id(), room);
      publish(envelope(room.id()).setRoomDeleted(RoomDeleted.newBuilder().setRoomId(room.id())));
    }
  }

  // ---------------------------------------------------------------- members

  /** Adds members; see the RPC for who may add whom. All-or-nothing. */
  public AddRoomSubscriptionsResponse addSubscriptions(CallerIdentity caller, AddRoomSubscriptionsRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    RequestLimits.batch("members", request.getMembersCount());
    Map<String, RoomRole> wanted = new LinkedHashMap<>();
    for (SubscriptionSpec spec : request.getMembersList()) {
      wanted.putIfAbsent(
          RequestLimits.profileId("members.profile_id", spec.getProfileId()), RoomPermissions.orMember(spec.getRole()));
    }
    synchronized (room) {
      checkNotDeleted(room);
      RoomSubscription self = room.member(caller.profileId());
      boolean selfJoin =
          self == null
              && room.room().getVisibility() == RoomVisibility.ROOM_VISIBILITY_PUBLIC
              && wanted.size() == 1
              && wanted.get(caller.profileId()) == RoomRole.ROOM_ROLE_MEMBER;
      if (self == null && !selfJoin) {
        throw notMember(room.id());
      }
      for (Map.Entry<String, RoomRole> entry : wanted.entrySet()) {
        if (!selfJoin && room.member(entry.getKey()) == null && !RoomPermissions.canAssign(self.getRole(), null, entry.getValue())) {
          throw denied("your role may not add " + entry.getKey() + " as " + entry.getValue());
        }
      }
      Timestamp now = now();
      AddRoomSubscriptionsResponse.Builder response = AddRoomSubscriptionsResponse.newBuilder();
      List<String> added = new ArrayList<>();
      for (Map.Entry<String, RoomRole> entry : wanted.entrySet()) {
        RoomSubscription current = room.member(entry.getKey());
        if (current == null) {
          current = subscription(room.id(), entry.getKey(), entry.getValue(), now);
          room.putMember(current);
          added.add(entry.getKey());
        }
        response.addSubscriptions(current);
      }
      if (!added.isEmpty()) {
        publish(envelope(room.id()).setMembershipChange(MembershipChange.newBuilder().setRoomId(room.id()).addAllAddedProfileIds(added)));
        appendSystemEvent(room, caller, "members_added", added, now);
      }
      return response.build();
    }
  }

  /** Removes members; see the RPC for who may remove whom. All-or-nothing. */
  public RemoveRoomSubscriptionsResponse removeSubscriptions(
      CallerIdentity caller, RemoveRoomSubscriptionsRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    RequestLimits.batch("profile_ids", request.getProfileIdsCount());
    Set<String> targets = new LinkedHashSet<>();
    for (String profileId : request.getProfileIdsList()) {
      targets.add(RequestLimits.profileId("profile_ids", profileId));
    }
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
      List<String> removed = new ArrayList<>();
      long ownersLeft = room.ownerCount();
      for (String target : targets) {
        RoomSubscription member = room.member(target);
        if (member == null) {
          continue;
        }
        if (!target.equals(caller.profileId()) && !RoomPermissions.canRemoveOther(self.getRole(), member.getRole())) {
          throw denied("your role may not remove " + target + " (" + member.getRole() + ")");
        }
        if (member.getRole() == RoomRole.ROOM_ROLE_OWNER) {
          ownersLeft--;
        }
        removed.add(target);
      }
      if (ownersLeft < 1 && !removed.isEmpty()) {
        throw Status.FAILED_PRECONDITION
            .withDescription("room " + room.id() + " must keep at least one owner; delete the room instead")
            .asRuntimeException();
      }
      removed.forEach(room::removeMember);
      if (!removed.isEmpty()) {
        Timestamp now = now();
        publish(envelope(room.id()).setMembershipChange(MembershipChange.newBuilder().setRoomId(room.id()).addAllRemovedProfileIds(removed)));
        appendSystemEvent(room, caller, "members_removed", removed, now);
      }
      return RemoveRoomSubscriptionsResponse.newBuilder().addAllRemovedProfileIds(removed).build();
    }
  }

  /** Changes one member's role. */
  public UpdateSubscriptionRoleResponse updateRole(CallerIdentity caller, UpdateSubscriptionRoleRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    String target = RequestLimits.profileId("profile_id", request.getProfileId());
    RoomRole role = request.getRole();
    if (RoomPermissions.rank(role) == 0) {
      throw invalid("role must be one of ROOM_ROLE_OWNER, ROOM_ROLE_ADMIN, ROOM_ROLE_MEMBER, ROOM_ROLE_GUEST");
    }
    synchronized (room) {
      RoomSubscription self = requireMember(room, caller);
      RoomSubscription member = room.member(target);
      if (member == null) {
        throw Status.NOT_FOUND.withDescription(target + " is not a member of room " + room.id()).asRuntimeException();
      }
      if (!RoomPermissions.canAssign(self.getRole(), member.getRole(), role)) {
        throw denied("your role may not change " + target + " from " + member.getRole() + " to " + role);
      }
      if (member.getRole() == RoomRole.ROOM_ROLE_OWNER && role != RoomRole.ROOM_ROLE_OWNER && room.ownerCount() == 1) {
        throw Status.FAILED_PRECONDITION
            .withDescription("room " + room.id() + " must keep at least one owner")
            .asRuntimeException();
      }
      RoomSubscription updated = member.toBuilder().setRole(role).build();
      room.putMember(updated);
      return UpdateSubscriptionRoleResponse.newBuilder().setSubscription(updated).build();
    }
  }

  /** A page of a room's members ordered by profile id. */
  public SearchRoomSubscriptionsResponse searchSubscriptions(
      CallerIdentity caller, SearchRoomSubscriptionsRequest request) {
    RoomState room = existing(RequestLimits.roomId(request.getRoomId()));
    int pageSize = RequestLimits.pageSize("page_size", request.getPageSize(), DEFAULT_MEMBER_PAGE, MAX_MEMBER_PAGE);
    String prefix = request.getProfileIdPrefix();
    String after =
        request.getCursor().getToken().isEmpty() ? null : PageTokens.decode(request.getCursor(), "members", 1)[0];
    synchronized (room) {
      requireMember(room, caller);
      SearchRoomSubscriptionsResponse.Builder page = SearchRoomSubscriptionsResponse.newBuilder();
      String start = after != null && after.compareTo(prefix) > 0 ? after : prefix;
      boolean inclusive = after == null || !start.equals(after);
      String last = null;
      for (RoomSubscription member : room.members().tailMap(start, inclusive).values()) {
        if (!member.getProfileId().startsWith(prefix)) {
          break;
        }
        if (request.getRole() != RoomRole.ROOM_ROLE_UNSPECIFIED && member.getRole() != request.getRole()) {
          continue;
        }
        if (page.getSubscriptionsCount() == pageSize) {
          page.setNextCursor(PageTokens.encode("members", last));
          break;
        }
        page.addSubscriptions(member);
        last = member.getProfileId();
      }
      return page.build();
    }
  }

  // ---------------------------------------------------------------- helpers

  private RoomState existing(String roomId) {
    RoomState room = rooms.get(roomId);
    if (room == null) {
      throw roomNotFound(roomId);
    }
    return room;
  }

  private static void checkNotDeleted(RoomState room) {
    if (room.deleted()) {
      throw roomNotFound(room.id());
    }
  }

  private static RoomSubscription requireMember(RoomState room, CallerIdentity caller) {
    checkNotDeleted(room);
    RoomSubscription self = room.member(caller.profileId());
    if (self == null) {
      throw notMember(room.id());
    }
    return self;
  }

  private static RuntimeException roomNotFound(String roomId) {
    return Status.NOT_FOUND.withDescription("room " + roomId + " does not exist").asRuntimeException();
  }

  private static RuntimeException notMember(String roomId) {
    return denied("not a member of room " + roomId);
  }

  private void appendSystemEvent(RoomState room, CallerIdentity caller, String code, List<String> profileIds, Timestamp now) {
    RoomEvent system =
        RoomEvent.newBuilder()
            .setId(newId("ev_"))
            .setRoomId(room.id())
            .setSenderProfileId(caller.profileId())
            .setSenderDeviceId(caller.deviceId())
            .setType(EventType.EVENT_TYPE_SYSTEM)
            .setSystem(SystemPayload.newBuilder().setCode(code).putParams("profile_ids", String.join(",", profileIds)))
            .setSequence(room.lastSequence() + 1)
            .setSentTime(now)
            .build();
    room.append(system);
    publish(envelope(room.id()).setRoomEvent(system));
  }

  private BusEnvelope.Builder envelope(String roomId) {
    return BusEnvelope.newBuilder().setRoomId(roomId).setOriginId(originId).setPublishTime(now());
  }

  private void publish(BusEnvelope.Builder envelope) {
    publisher.publish(envelope.build());
  }

  private Timestamp now() {
    return Timestamps.fromMillis(clock.millis());
  }

  private static RoomSubscription subscription(String roomId, String profileId, RoomRole role, Timestamp now) {
    return RoomSubscription.newBuilder().setRoomId(roomId).setProfileId(profileId).setRole(role).setJoinTime(now).build();
  }

  private static RoomVisibility visibilityOrPrivate(RoomVisibility visibility) {
    return visibility == RoomVisibility.ROOM_VISIBILITY_PUBLIC
        ? RoomVisibility.ROOM_VISIBILITY_PUBLIC
        : RoomVisibility.ROOM_VISIBILITY_PRIVATE;
  }

  private static boolean matches(Room room, String lowerQuery) {
    return lowerQuery.isEmpty()
        || room.getName().toLowerCase(Locale.ROOT).contains(lowerQuery)
        || room.getId().toLowerCase(Locale.ROOT).contains(lowerQuery);
  }

  /** A random 128-bit id; ThreadLocalRandom because ids need uniqueness, not secrecy. */
  private static String newId(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return prefix + Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
