package io.chatgateway.core;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscription;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The standalone core's memory across restarts: an append-only file of every change to its rooms,
 * replayed at start. Each entry is a one-byte kind and a length-delimited protobuf message of the
 * contract's own types. An event is written before it is published and withdrawn if publishing
 * fails (so the file holds exactly the events subscribers may have seen); every entry is flushed to
 * the operating system before the change is answered, so a killed process loses nothing it
 * answered. A machine crash may lose what the OS had not written yet (no fsync).
 *
 * <p>Thread-safe: appends are serialized by this object's monitor. Callers append while they hold
 * the room's monitor, so a room's entries are in the room's order.
 */
final class CoreJournal implements AutoCloseable {

  /** Journals nothing: the core lives in memory only. */
  static final CoreJournal NONE = new CoreJournal(null);

  private static final byte ROOM_CREATED = 'C';
  private static final byte ROOM_UPDATED = 'U';
  private static final byte ROOM_DELETED = 'D';
  private static final byte MEMBER_PUT = 'M';
  private static final byte MEMBER_REMOVED = 'R';
  private static final byte EVENT_STORED = 'E';
  private static final byte EVENT_WITHDRAWN = 'W';
  private static final byte EVENT_REPLACED = 'X';

  private final OutputStream out; // null for NONE
  private final CodedOutputStream coded;

  private CoreJournal(OutputStream out) {
    this.out = out;
    this.coded = out == null ? null : CodedOutputStream.newInstance(out, 4096);
  }

  /**
   * Replays {@code file} (if it exists) into {@code rooms} and opens it for appending. A torn last
   * entry (the process died mid-write) is ignored and cut off.
   */
  static CoreJournal open(Path file, ConcurrentSkipListMap<String, RoomState> rooms) throws IOException {
    requireNonNull(file, "file");
    long valid = 0;
    if (Files.exists(file)) {
      valid = replay(file, rooms);
      try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
        channel.truncate(valid);
      }
    }
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    return new CoreJournal(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND), 64 * 1024));
  }

  /** A new room with its first members. */
  void roomCreated(RoomState room) {
    if (out != null) {
      synchronized (this) {
        write(ROOM_CREATED, room.room());
        room.members().values().forEach(member -> write(MEMBER_PUT, member));
        flush();
      }
    }
  }

  void roomUpdated(Room room) {
    append(ROOM_UPDATED, room);
  }

  void roomDeleted(String roomId) {
    append(ROOM_DELETED, Room.newBuilder().setId(roomId).build());
  }

  /** A member added or changed (role, receipts). */
  void memberPut(RoomSubscription member) {
    append(MEMBER_PUT, member);
  }

  void memberRemoved(String roomId, String profileId) {
    append(MEMBER_REMOVED, RoomSubscription.newBuilder().setRoomId(roomId).setProfileId(profileId).build());
  }

  /** An event about to be published; {@link #eventWithdrawn} follows if publishing fails. */
  void eventStored(RoomEvent event) {
    append(EVENT_STORED, event);
  }

  /** The room's last stored event was not published after all, so it is not stored either. */
  void eventWithdrawn(RoomEvent event) {
    append(EVENT_WITHDRAWN, RoomEvent.newBuilder().setRoomId(event.getRoomId()).setSequence(event.getSequence()).build());
  }

  /** A stored event's new version (edit, redaction). */
  void eventReplaced(RoomEvent event) {
    append(EVENT_REPLACED, event);
  }

  private void append(byte kind, MessageLite message) {
    if (out != null) {
      synchronized (this) {
        write(kind, message);
        flush();
      }
    }
  }

  private void write(byte kind, MessageLite message) {
    try {
      coded.writeRawByte(kind);
      coded.writeUInt32NoTag(message.getSerializedSize());
      message.writeTo(coded);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the core's journal", e);
    }
  }

  private void flush() {
    try {
      coded.flush();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the core's journal", e);
    }
  }

  /** Applies the file's entries; returns the length of its whole entries. */
  private static long replay(Path file, ConcurrentSkipListMap<String, RoomState> rooms) throws IOException {
    // An event stays pending until the room's next entry: a withdrawal that follows cancels it.
    Map<String, RoomEvent> pending = new HashMap<>();
    long valid = 0;
    try (InputStream in = Files.newInputStream(file)) {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE);
      while (!coded.isAtEnd()) {
        byte kind;
        byte[] bytes;
        try {
          kind = coded.readRawByte();
          bytes = coded.readByteArray();
        } catch (IOException torn) {
          break; // the last entry was cut short by a crash
        }
        apply(kind, bytes, rooms, pending);
        valid = coded.getTotalBytesRead();
      }
    }
    pending.values().forEach(event -> rooms.get(event.getRoomId()).append(event));
    return valid;
  }

  private static void apply(byte kind, byte[] bytes, ConcurrentSkipListMap<String, RoomState> rooms, Map<String, RoomEvent> pending) throws IOException {
    switch (kind) {
      case ROOM_CREATED -> {
        Room room = Room.parseFrom(bytes);
        rooms.put(room.getId(), new RoomState(room));
      }
      case ROOM_UPDATED -> {
        Room room = Room.parseFrom(bytes);
        settle(room.getId(), rooms, pending).replaceRoom(room);
      }
      case ROOM_DELETED -> {
        String roomId = Room.parseFrom(bytes).getId();
        settle(roomId, rooms, pending);
        rooms.remove(roomId);
      }
      case MEMBER_PUT -> {
        RoomSubscription member = RoomSubscription.parseFrom(bytes);
        settle(member.getRoomId(), rooms, pending).putMember(member);
      }
      case MEMBER_REMOVED -> {
        RoomSubscription member = RoomSubscription.parseFrom(bytes);
        settle(member.getRoomId(), rooms, pending).removeMember(member.getProfileId());
      }
      case EVENT_STORED -> {
        RoomEvent event = RoomEvent.parseFrom(bytes);
        settle(event.getRoomId(), rooms, pending);
        pending.put(event.getRoomId(), event);
      }
      case EVENT_WITHDRAWN -> pending.remove(RoomEvent.parseFrom(bytes).getRoomId());
      case EVENT_REPLACED -> {
        RoomEvent event = RoomEvent.parseFrom(bytes);
        settle(event.getRoomId(), rooms, pending).replaceEvent(event);
      }
      default -> throw new IOException("the core's journal has an entry of unknown kind " + kind + ": not a journal of this version");
    }
  }

  /** The room, with its pending event (if any) stored first: a later entry means it was published. */
  private static RoomState settle(String roomId, ConcurrentSkipListMap<String, RoomState> rooms, Map<String, RoomEvent> pending) throws IOException {
    RoomState room = rooms.get(roomId);
    if (room == null) {
      throw new IOException("the core's journal names room " + roomId + " before creating it");
    }
    RoomEvent event = pending.remove(roomId);
    if (event != null) {
      room.append(event);
    }
    return room;
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        coded.flush();
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close the core's journal", e);
      }
    }
  }
}
