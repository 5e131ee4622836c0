package io.chatgateway.core;

import static io.chatgateway.core.RoomPermissions.denied;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.bus.EventPublisher;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.logging.ThrottledLog;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.MembershipChange;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomRole;
import io.chatgateway.proto.v1.RoomSubscription;
import io.chatgateway.proto.v1.RoomVisibility;
import io.chatgateway.proto.v1.SystemPayload;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The core's rooms, and what every operation on them shares: looking a room up, membership checks,
 * system events, and publishing envelopes (called under the room's monitor, so subscribers see a
 * room's envelopes in sequence order). Thread-safe.
 */
final class RoomStore {

  private final ConcurrentSkipListMap<String, RoomState> rooms = new ConcurrentSkipListMap<>();
  private final EventPublisher publisher;
  private final Clock clock;
  private final String originId;
  private final CoreJournal journal;

  /** Rooms in memory only. */
  RoomStore(EventPublisher publisher, Clock clock, String originId) {
    this.publisher = requireNonNull(publisher, "publisher");
    this.clock = requireNonNull(clock, "clock");
    this.originId = requireNonNull(originId, "originId");
    this.journal = CoreJournal.NONE;
  }

  /** Rooms replayed from {@code journalFile}, and every change appended to it. */
  RoomStore(EventPublisher publisher, Clock clock, String originId, Path journalFile) throws IOException {
    this.publisher = requireNonNull(publisher, "publisher");
    this.clock = requireNonNull(clock, "clock");
    this.originId = requireNonNull(originId, "originId");
    this.journal = CoreJournal.open(journalFile, rooms);
  }

  CoreJournal journal() {
    return journal;
  }

  /**
   * Stores {@code event} as its room's next one: journaled, then published, then kept; an event the
   * bus refuses is withdrawn and not kept, and the refusal is thrown. Call while holding the room.
   */
  void storeEvent(RoomState room, RoomEvent event) {
    journal.eventStored(event);
    try {
      publish(envelope(room.id()).setRoomEvent(event));
    } catch (RuntimeException refused) {
      journal.eventWithdrawn(event);
      throw refused;
    }
    room.append(event);
  }

  /** Every room by id, deleted ones until their deletion completes. */
  ConcurrentSkipListMap<String, RoomState> rooms() {
    return rooms;
  }

  RoomState existing(String roomId) {
    RoomState room = rooms.get(roomId);
    if (room == null) {
      throw roomNotFound(roomId);
    }
    return room;
  }

  static void checkNotDeleted(RoomState room) {
    if (room.deleted()) {
      throw roomNotFound(room.id());
    }
  }

  static RoomSubscription requireMember(RoomState room, CallerIdentity caller) {
    checkNotDeleted(room);
    RoomSubscription self = room.member(caller.profileId());
    if (self == null) {
      throw notMember(room.id());
    }
    return self;
  }

  static RuntimeException roomNotFound(String roomId) {
    return Status.NOT_FOUND.withDescription("room " + roomId + " does not exist").asRuntimeException();
  }

  static RuntimeException notMember(String roomId) {
    return denied("not a member of room " + roomId);
  }

  void appendSystemEvent(RoomState room, CallerIdentity caller, String code, List<String> profileIds, Timestamp now) {
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
    storeEvent(room, system);
  }

  private static final ThrottledLog MEMBERSHIP_NOT_PUBLISHED =
      new ThrottledLog(Logger.getLogger(RoomStore.class.getName()), Level.WARNING, Duration.ofSeconds(10));

  BusEnvelope.Builder envelope(String roomId) {
    return BusEnvelope.newBuilder().setRoomId(roomId).setOriginId(originId).setPublishTime(now());
  }

  void publish(BusEnvelope.Builder envelope) {
    publisher.publish(envelope.build());
  }

  /**
   * Tells every device of each of {@code profileIds}, on its profile's channel, that it joined
   * ({@code added}) or left {@code roomId}: how devices that follow their rooms learn of a room they
   * are not subscribed to yet. Best effort: the change is made already, and a follower that misses
   * the notice finds the room the next time it connects.
   */
  void publishMembership(String roomId, Collection<String> profileIds, boolean added) {
    for (String profileId : profileIds) {
      MembershipChange.Builder change = MembershipChange.newBuilder().setRoomId(roomId);
      if (added) {
        change.addAddedProfileIds(profileId);
      } else {
        change.addRemovedProfileIds(profileId);
      }
      try {
        publish(envelope(roomId).setProfileId(profileId).setMembershipChange(change));
      } catch (RuntimeException e) {
        MEMBERSHIP_NOT_PUBLISHED.log(() -> "membership of " + roomId + " not published to its members' devices: " + e.getMessage());
        return;
      }
    }
  }

  Timestamp now() {
    return Timestamps.fromMillis(clock.millis());
  }

  static RoomSubscription subscription(String roomId, String profileId, RoomRole role, Timestamp now) {
    return RoomSubscription.newBuilder().setRoomId(roomId).setProfileId(profileId).setRole(role).setJoinTime(now).build();
  }

  static RoomVisibility visibilityOrPrivate(RoomVisibility visibility) {
    return visibility == RoomVisibility.ROOM_VISIBILITY_PUBLIC
        ? RoomVisibility.ROOM_VISIBILITY_PUBLIC
        : RoomVisibility.ROOM_VISIBILITY_PRIVATE;
  }

  static boolean matches(Room room, String lowerQuery) {
    return lowerQuery.isEmpty()
        || room.getName().toLowerCase(Locale.ROOT).contains(lowerQuery)
        || room.getId().toLowerCase(Locale.ROOT).contains(lowerQuery);
  }

  /** A random 128-bit id; ThreadLocalRandom because ids need uniqueness, not secrecy. */
  static String newId(String prefix) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return prefix + Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
