package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One session's {@link RoomSlot}s by room id. Few rooms, what nearly every device has, are kept in an
 * array replaced on every change: one room costs its slot's reference, where a hash map cost about
 * 130 bytes (map, table, node), and idle sessions multiply whatever a session keeps. Past {@link
 * #SMALL} rooms (a device following its profile's rooms) they move to a {@link ConcurrentHashMap}
 * for good.
 *
 * <p>Threading: read from any thread (fan-out lanes find a room's slot); changed only on the owning
 * session's executor, the one writer. Both forms sit behind one volatile field, so a reader sees one
 * or the other whole.
 */
final class RoomSlots {

  /** Rooms kept in an array at most: a lookup scans them. */
  static final int SMALL = 8;

  private static final RoomSlot[] NONE = new RoomSlot[0];

  /** A {@code RoomSlot[]} (at most SMALL, each room once) or a {@code ConcurrentHashMap<String, RoomSlot>}. */
  private volatile Object slots = NONE;

  /** The slot of {@code roomId}, or null. Any thread. */
  RoomSlot get(String roomId) {
    Object current = slots;
    if (current instanceof RoomSlot[] few) {
      for (RoomSlot slot : few) {
        if (slot.roomId().equals(roomId)) {
          return slot;
        }
      }
      return null;
    }
    return map(current).get(roomId);
  }

  boolean contains(String roomId) {
    return get(roomId) != null;
  }

  /** Adds a slot for a room that has none. Executor only. */
  void add(RoomSlot slot) {
    Object current = slots;
    if (current instanceof RoomSlot[] few) {
      if (few.length < SMALL) {
        slots = CopyOnWriteArrays.plus(few, slot);
        return;
      }
      ConcurrentHashMap<String, RoomSlot> many = new ConcurrentHashMap<>();
      for (RoomSlot each : few) {
        many.put(each.roomId(), each);
      }
      many.put(slot.roomId(), slot);
      slots = many;
      return;
    }
    map(current).put(slot.roomId(), slot);
  }

  /** Removes {@code slot} if it is still its room's. Executor only. */
  void remove(RoomSlot slot) {
    Object current = slots;
    if (current instanceof RoomSlot[] few) {
      slots = CopyOnWriteArrays.minus(few, slot);
      return;
    }
    map(current).remove(slot.roomId(), slot);
  }

  /** Removes every slot. Executor only. */
  void clear() {
    slots = NONE;
  }

  /** The slots now (a copy; weakly consistent with changes under way). Any thread. */
  List<RoomSlot> all() {
    Object current = slots;
    return current instanceof RoomSlot[] few ? Arrays.asList(few) : new ArrayList<>(map(current).values());
  }

  int size() {
    Object current = slots;
    return current instanceof RoomSlot[] few ? few.length : map(current).size();
  }

  @SuppressWarnings("unchecked")
  private static ConcurrentHashMap<String, RoomSlot> map(Object slots) {
    return (ConcurrentHashMap<String, RoomSlot>) slots;
  }
}
