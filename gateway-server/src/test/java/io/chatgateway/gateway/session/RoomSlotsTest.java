package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A session's slots by room: the same answers below and above the array's size, and to readers racing the writer. */
class RoomSlotsTest {

  @Test
  void findsAddsAndRemovesBelowAndAboveTheArraysSize() {
    RoomSlots slots = new RoomSlots();
    List<RoomSlot> added = new ArrayList<>();
    for (int i = 0; i < RoomSlots.SMALL * 3; i++) {
      RoomSlot slot = new RoomSlot("room-" + i);
      slots.add(slot);
      added.add(slot);
      assertEquals(i + 1, slots.size());
      for (int j = 0; j <= i; j++) {
        assertSame(added.get(j), slots.get("room-" + j), "room-" + j + " with " + (i + 1) + " rooms");
      }
      assertNull(slots.get("room-" + (i + 1)));
    }
    assertEquals(added.size(), slots.all().size());
    for (int i = added.size() - 1; i >= 0; i -= 2) {
      slots.remove(added.get(i));
      assertFalse(slots.contains("room-" + i));
      assertTrue(i == 0 || slots.contains("room-" + (i - 1)), "its neighbour stays");
    }
    slots.clear();
    assertEquals(0, slots.size());
    assertTrue(slots.all().isEmpty());
  }

  @Test
  void removingASlotThatIsNoLongerItsRoomsLeavesTheRoomsCurrentOne() {
    for (int rooms : new int[] {1, RoomSlots.SMALL + 1}) {
      RoomSlots slots = new RoomSlots();
      for (int i = 1; i < rooms; i++) {
        slots.add(new RoomSlot("other-" + i));
      }
      RoomSlot old = new RoomSlot("r");
      slots.add(old);
      slots.remove(old);
      RoomSlot current = new RoomSlot("r");
      slots.add(current);
      slots.remove(old);
      assertSame(current, slots.get("r"), rooms + " rooms");
    }
  }

  @Test
  void readersOnManyThreadsAlwaysFindTheRoomsThatStayWhileTheWriterMovesPastTheArray() throws Exception {
    List<RoomSlot> staying = new ArrayList<>();
    for (int i = 0; i < RoomSlots.SMALL; i++) {
      staying.add(new RoomSlot("stays-" + i));
    }
    AtomicReference<RoomSlots> current = new AtomicReference<>(filled(staying));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    ExecutorService readers = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        done.add(readers.submit(() -> {
          while (writing.get()) {
            RoomSlots slots = current.get();
            for (RoomSlot stays : staying) {
              assertSame(stays, slots.get(stays.roomId()));
            }
            reads.incrementAndGet();
          }
          return null;
        }));
      }
      // The writer (a session's executor) takes sessions whose slots fill the array past its size
      // (and back down) while readers read them.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      for (int round = 0; reads.get() < 300_000 && System.nanoTime() < deadline; round++) {
        RoomSlots slots = filled(staying);
        current.set(slots);
        RoomSlot other = new RoomSlot("r" + round);
        slots.add(other);
        slots.add(new RoomSlot("r" + round + "b"));
        slots.remove(other);
      }
      writing.set(false);
      for (Future<?> each : done) {
        each.get(30, TimeUnit.SECONDS);
      }
    } finally {
      writing.set(false);
      readers.shutdownNow();
    }
    assertTrue(reads.get() > 0);
  }

  private static RoomSlots filled(List<RoomSlot> slots) {
    RoomSlots filled = new RoomSlots();
    slots.forEach(filled::add);
    return filled;
  }
}
