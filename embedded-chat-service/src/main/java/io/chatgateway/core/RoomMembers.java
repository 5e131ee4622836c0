package io.chatgateway.core;

import static io.chatgateway.core.RoomPermissions.denied;
import static io.chatgateway.core.RequestLimits.invalid;

import com.google.protobuf.Timestamp;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.AddRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.RoomRole;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.ReceiptEvent;
import io.chatgateway.proto.v1.ReadMarkerEvent;
import io.chatgateway.proto.v1.ReceiptKind;
import io.chatgateway.proto.v1.RoomSubscription;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The members of rooms: adding, removing, roles, member pages and each member's receipts, with the
 * permission rules of the RPCs. Holds each room's monitor for the whole read-check-write, as {@link ChatCore} does.
 * Thread-safe.
 */
final class RoomMembers {

  static final int DEFAULT_MEMBER_PAGE = 100;
  static final int MAX_MEMBER_PAGE = 500;

  private final RoomStore store;

  RoomMembers(RoomStore store) {
    this.store = store;
  }

  /** Adds members; see the RPC for who may add whom. All-or-nothing. */
  AddRoomSubscriptionsResponse add(CallerIdentity caller, AddRoomSubscriptionsRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    RequestLimits.batch("members", request.getMembersCount());
    Map<String, RoomRole> wanted = new LinkedHashMap<>();
    for (SubscriptionSpec spec : request.getMembersList()) {
      wanted.putIfAbsent(
          RequestLimits.profileId("members.profile_id", spec.getProfileId()), RoomPermissions.orMember(spec.getRole()));
    }
    synchronized (room) {
      RoomStore.checkNotDeleted(room);
      RoomSubscription self = room.member(caller.profileId());
      boolean selfJoin =
          self == null
              && room.room().getVisibility() == RoomVisibility.ROOM_VISIBILITY_PUBLIC
              && wanted.size() == 1
              && wanted.get(caller.profileId()) == RoomRole.ROOM_ROLE_MEMBER;
      if (self == null && !selfJoin) {
        throw RoomStore.notMember(room.id());
      }
      for (Map.Entry<String, RoomRole> entry : wanted.entrySet()) {
        if (!selfJoin && room.member(entry.getKey()) == null && !RoomPermissions.canAssign(self.getRole(), null, entry.getValue())) {
          throw denied("your role may not add " + entry.getKey() + " as " + entry.getValue());
        }
      }
      Timestamp now = store.now();
      AddRoomSubscriptionsResponse.Builder response = AddRoomSubscriptionsResponse.newBuilder();
      List<String> added = new ArrayList<>();
      for (Map.Entry<String, RoomRole> entry : wanted.entrySet()) {
        RoomSubscription current = room.member(entry.getKey());
        if (current == null) {
          current = RoomStore.subscription(room.id(), entry.getKey(), entry.getValue(), now);
          room.putMember(current);
          store.journal().memberPut(current);
          added.add(entry.getKey());
        }
        response.addSubscriptions(current);
      }
      if (!added.isEmpty()) {
        store.publish(store.envelope(room.id()).setMembershipChange(MembershipChange.newBuilder().setRoomId(room.id()).addAllAddedProfileIds(added)));
        store.publishMembership(room.id(), added, true);
        store.appendSystemEvent(room, caller, "members_added", added, now);
      }
      return response.build();
    }
  }

  /** Removes members; see the RPC for who may remove whom. All-or-nothing. */
  RemoveRoomSubscriptionsResponse remove(
      CallerIdentity caller, RemoveRoomSubscriptionsRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    RequestLimits.batch("profile_ids", request.getProfileIdsCount());
    Set<String> targets = new LinkedHashSet<>();
    for (String profileId : request.getProfileIdsList()) {
      targets.add(RequestLimits.profileId("profile_ids", profileId));
    }
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
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
      for (String profileId : removed) {
        room.removeMember(profileId);
        store.journal().memberRemoved(room.id(), profileId);
      }
      if (!removed.isEmpty()) {
        Timestamp now = store.now();
        store.publish(store.envelope(room.id()).setMembershipChange(MembershipChange.newBuilder().setRoomId(room.id()).addAllRemovedProfileIds(removed)));
        store.publishMembership(room.id(), removed, false);
        store.appendSystemEvent(room, caller, "members_removed", removed, now);
      }
      return RemoveRoomSubscriptionsResponse.newBuilder().addAllRemovedProfileIds(removed).build();
    }
  }

  /** Changes one member's role. */
  UpdateSubscriptionRoleResponse updateRole(CallerIdentity caller, UpdateSubscriptionRoleRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    String target = RequestLimits.profileId("profile_id", request.getProfileId());
    RoomRole role = request.getRole();
    if (RoomPermissions.rank(role) == 0) {
      throw invalid("role must be one of ROOM_ROLE_OWNER, ROOM_ROLE_ADMIN, ROOM_ROLE_MEMBER, ROOM_ROLE_GUEST");
    }
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
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
      store.journal().memberPut(updated);
      return UpdateSubscriptionRoleResponse.newBuilder().setSubscription(updated).build();
    }
  }

  /** A page of a room's members ordered by profile id. */
  SearchRoomSubscriptionsResponse search(
      CallerIdentity caller, SearchRoomSubscriptionsRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    int pageSize = RequestLimits.pageSize("page_size", request.getPageSize(), DEFAULT_MEMBER_PAGE, MAX_MEMBER_PAGE);
    String prefix = request.getProfileIdPrefix();
    String after =
        request.getCursor().getToken().isEmpty() ? null : PageTokens.decode(request.getCursor(), "members", 1)[0];
    synchronized (room) {
      RoomStore.requireMember(room, caller);
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

  /** Records a read marker or delivery receipt and relays it when it moved forward. */
  UpdateReceiptResponse updateReceipt(CallerIdentity caller, UpdateReceiptRequest request) {
    RoomState room = store.existing(RequestLimits.roomId(request.getRoomId()));
    ReceiptKind kind = request.getKind();
    if (kind != ReceiptKind.RECEIPT_KIND_READ && kind != ReceiptKind.RECEIPT_KIND_DELIVERED) {
      throw invalid("kind must be RECEIPT_KIND_READ or RECEIPT_KIND_DELIVERED");
    }
    long upTo = request.getUpToSequence();
    synchronized (room) {
      RoomSubscription self = RoomStore.requireMember(room, caller);
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
      store.journal().memberPut(result);
      if (readMoved) {
        ReadMarkerEvent marker = ReadMarkerEvent.newBuilder().setRoomId(room.id()).setProfileId(caller.profileId()).setUpToSequence(upTo).build();
        store.publish(store.envelope(room.id()).setReadMarker(marker));
        // The reader's own devices that are not in the room sync their read state too.
        store.publish(store.envelope(room.id()).setProfileId(caller.profileId()).setReadMarker(marker));
      } else if (deliveredMoved) {
        store.publish(
            store.envelope(room.id())
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
}
