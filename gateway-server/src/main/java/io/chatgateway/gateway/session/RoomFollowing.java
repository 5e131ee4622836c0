package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.RoomMembershipEvent;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SubscribeReason;
import io.chatgateway.proto.v1.UnsubscribeReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A session's part in its profile's room membership: following every room of the profile ({@code
 * follow_rooms}) and acting on the membership changes the profile's channel brings. A following
 * session subscribes the rooms the core lists at hello (paged, at most MAX_FOLLOWED_ROOMS), then
 * subscribes rooms the profile is added to and leaves rooms it is removed from; a session that does
 * not follow is told of each change with a {@code membership} event.
 *
 * <p>Threading: owned by the session's executor.
 */
final class RoomFollowing {

  /** Rooms a page of the core's listing holds. */
  static final int PAGE = 1_000;

  private final DeviceSession session;
  private final SessionConfig config;
  private boolean following;

  RoomFollowing(DeviceSession session, SessionConfig config) {
    this.session = session;
    this.config = config;
  }

  /**
   * From now on the session follows its profile's rooms: subscribes every room the core lists for
   * the profile (beyond MAX_FOLLOWED_ROOMS the device is told and the first are followed), and rooms
   * the profile is added to later. Call once, after hello.
   */
  void follow(String frameId) {
    // The session gets its profile's envelopes since its handshake (ProfileSessions), so a room
    // added while the rooms are listed comes as a membership change.
    following = true;
    session.subscriptions().allowFollowedRooms();
    listRooms(frameId, "", new ArrayList<>());
  }

  private void listRooms(String frameId, String after, List<String> found) {
    SearchRoomsRequest page = SearchRoomsRequest.newBuilder().setJoinedOnly(true).setLimit(PAGE).setAfterRoomId(after).build();
    session.whenCoreAnswers(session.core().searchRooms(page), (rooms, failure) -> {
      if (session.isClosed()) {
        return;
      }
      if (failure != null) {
        session.enqueue(session.events().error(frameId, failure.code(), "cannot list the rooms to follow: " + failure.getMessage(), false, Map.of()));
        return;
      }
      rooms.forEach(room -> found.add(room.getRoom().getId()));
      if (rooms.size() == PAGE && found.size() <= config.maxFollowedRooms()) {
        listRooms(frameId, found.get(found.size() - 1), found);
      } else {
        subscribeAll(frameId, found);
      }
    });
  }

  private void subscribeAll(String frameId, List<String> found) {
    int max = config.maxFollowedRooms();
    List<String> followed = found;
    if (found.size() > max) {
      followed = found.subList(0, max);
      session.enqueue(session.events().error(frameId, ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS,
          "the profile has more than " + max + " rooms; following the first " + max + " by room id (MAX_FOLLOWED_ROOMS)", false, Map.of()));
    }
    Subscriptions subscriptions = session.subscriptions();
    List<String> fresh = followed.stream().filter(roomId -> !subscriptions.listensTo(roomId)).toList();
    for (int from = 0; from < fresh.size(); from += Subscriptions.MAX_ROOMS_PER_FRAME) {
      List<String> frame = fresh.subList(from, Math.min(fresh.size(), from + Subscriptions.MAX_ROOMS_PER_FRAME));
      subscriptions.subscribe(frameId, frame, Map.of(), SubscribeReason.SUBSCRIBE_REASON_FOLLOWED);
    }
  }

  /**
   * The profile joined or left a room. A following session leaves a room left (told as
   * MEMBERSHIP_REVOKED) and subscribes a room joined; any other is told with a {@code membership}
   * event (and loses a room it left through the room's own channel).
   */
  void membershipChanged(MembershipChange change) {
    String roomId = change.getRoomId();
    boolean removed = change.getRemovedProfileIdsList().contains(session.profileId());
    boolean added = change.getAddedProfileIdsList().contains(session.profileId());
    if (!removed && !added) {
      return;
    }
    Subscriptions subscriptions = session.subscriptions();
    if (!following) {
      session.enqueue(session.events().builder("").setMembership(RoomMembershipEvent.newBuilder().setRoomId(roomId).setJoined(added)).build());
    } else if (removed) {
      subscriptions.revoke(roomId, UnsubscribeReason.UNSUBSCRIBE_REASON_MEMBERSHIP_REVOKED);
    } else if (!subscriptions.listensTo(roomId)) {
      subscriptions.subscribe("", List.of(roomId), Map.of(), SubscribeReason.SUBSCRIBE_REASON_ADDED_TO_ROOM);
    }
  }
}
