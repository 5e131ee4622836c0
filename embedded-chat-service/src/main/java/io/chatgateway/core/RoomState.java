package io.chatgateway.core;

import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Everything the core knows about one room.
 *
 * <p>Not thread-safe on its own: every access holds this object's monitor ({@code synchronized
 * (room)}), taken by {@link ChatCore}. Holding it while publishing is what orders a room's events
 * on the bus.
 */
final class RoomState {

  private final String id;
  private Room room;
  private boolean deleted;
  private final NavigableMap<String, RoomSubscription> members = new TreeMap<>();
  // events.get(i).getSequence() == i + 1: sequences are dense and never reused.
  private final List<RoomEvent> events = new ArrayList<>();
  private final Map<String, Integer> indexByEventId = new HashMap<>();
  // sender profile id + '\n' + client_event_id -> index into events; makes SendEvent idempotent.
  private final Map<String, Integer> indexByClientKey = new HashMap<>();

  RoomState(Room room) {
    this.id = room.getId();
    this.room = room;
  }

  String id() {
    return id;
  }

  boolean deleted() {
    return deleted;
  }

  void markDeleted() {
    deleted = true;
  }

  /** The room with its derived fields (last sequence, member count) filled in. */
  Room snapshot() {
    return room.toBuilder().setLastSequence(events.size()).setMemberCount(members.size()).build();
  }

  void replaceRoom(Room updated) {
    room = updated;
  }

  Room room() {
    return room;
  }

  long lastSequence() {
    return events.size();
  }

  RoomSubscription member(String profileId) {
    return members.get(profileId);
  }

  void putMember(RoomSubscription subscription) {
    members.put(subscription.getProfileId(), subscription);
  }

  RoomSubscription removeMember(String profileId) {
    return members.remove(profileId);
  }

  NavigableMap<String, RoomSubscription> members() {
    return members;
  }

  long ownerCount() {
    return members.values().stream()
        .filter(s -> s.getRole() == io.chatgateway.proto.v1.RoomRole.ROOM_ROLE_OWNER)
        .count();
  }

  /** Stores an event that already carries its id, sequence {@code lastSequence() + 1} and time. */
  void append(RoomEvent event) {
    if (event.getSequence() != events.size() + 1L) {
      throw new IllegalStateException("sequence gap in room " + id);
    }
    int index = events.size();
    events.add(event);
    indexByEventId.put(event.getId(), index);
    if (!event.getClientEventId().isEmpty()) {
      indexByClientKey.put(clientKey(event.getSenderProfileId(), event.getClientEventId()), index);
    }
  }

  RoomEvent eventById(String eventId) {
    Integer index = indexByEventId.get(eventId);
    return index == null ? null : events.get(index);
  }

  RoomEvent eventByClientKey(String senderProfileId, String clientEventId) {
    Integer index = indexByClientKey.get(clientKey(senderProfileId, clientEventId));
    return index == null ? null : events.get(index);
  }

  /** Replaces a stored event with a new version of itself (edit, redaction). */
  void replaceEvent(RoomEvent updated) {
    events.set((int) updated.getSequence() - 1, updated);
  }

  /** The event with the given sequence, 1 to {@link #lastSequence()}. */
  RoomEvent eventAt(long sequence) {
    return events.get((int) sequence - 1);
  }

  private static String clientKey(String senderProfileId, String clientEventId) {
    return senderProfileId + '\n' + clientEventId;
  }
}
