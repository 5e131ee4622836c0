package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecentEventsTest {

  static RoomEvent event(String room, long sequence) {
    return RoomEvent.newBuilder().setRoomId(room).setSequence(sequence).setText(TextPayload.newBuilder().setText("event " + sequence)).build();
  }

  static List<Long> sequences(List<RoomEvent> events) {
    return events.stream().map(RoomEvent::getSequence).toList();
  }

  @Test
  void liveEventsFormOneRunWithoutHoles() {
    RecentEvents recent = new RecentEvents(100, 1 << 20);
    recent.track("r");
    for (long s = 1; s <= 5; s++) {
      recent.add(event("r", s));
    }
    assertEquals(List.of(3L, 4L, 5L), sequences(recent.after("r", 2, 100)));
    assertEquals(List.of(1L, 2L), sequences(recent.after("r", 0, 2)), "at most max, oldest first");
    assertTrue(recent.after("r", 5, 100).isEmpty(), "nothing newer");
    recent.add(event("r", 8)); // 6 and 7 never came
    assertNull(recent.after("r", 5, 100), "the run restarted at 8: it cannot say what followed 5");
    assertEquals(List.of(8L), sequences(recent.after("r", 7, 100)));
    recent.add(event("r", 8));
    assertEquals(List.of(8L), sequences(recent.after("r", 7, 100)), "a duplicate is not kept twice");
    assertNull(recent.after("elsewhere", 0, 100));
  }

  @Test
  void historyPagesExtendTheRunBackwards() {
    RecentEvents recent = new RecentEvents(100, 1 << 20);
    recent.track("r");
    recent.add(event("r", 7));
    recent.add(event("r", 8));
    recent.addHistory("r", List.of(event("r", 1), event("r", 2))); // does not reach 7: dropped
    assertNull(recent.after("r", 0, 100));
    recent.addHistory("r", List.of(event("r", 4), event("r", 5), event("r", 6), event("r", 7)));
    assertEquals(List.of(5L, 6L, 7L, 8L), sequences(recent.after("r", 4, 100)));
    assertEquals(LongStream.rangeClosed(4, 8).boxed().toList(), sequences(recent.after("r", 3, 100)));
    recent.addHistory("untracked", List.of(event("untracked", 1)));
    assertNull(recent.after("untracked", 0, 100), "a room without local subscribers is not kept");
  }

  @Test
  void roomsAndBytesAreBounded() {
    RecentEvents recent = new RecentEvents(3, 1 << 20);
    recent.track("r");
    for (long s = 1; s <= 10; s++) {
      recent.add(event("r", s));
    }
    assertEquals(List.of(8L, 9L, 10L), sequences(recent.after("r", 7, 100)));
    assertNull(recent.after("r", 6, 100), "the oldest went first");

    long oneEvent = event("a", 1).getSerializedSize();
    RecentEvents small = new RecentEvents(100, 10 * oneEvent);
    for (String room : List.of("a", "b", "c")) {
      small.track(room);
      for (long s = 1; s <= 4; s++) {
        small.add(event(room, s));
      }
    }
    assertTrue(small.bytes() <= 10 * oneEvent, "within the byte budget: " + small.bytes());
    small.forget("a");
    small.forget("b");
    small.forget("c");
    assertEquals(0, small.bytes(), "forgetting every room frees every byte");
  }

  @Test
  void concurrentLanesReadersAndForgettingKeepTheAccountsRight() throws Exception {
    RecentEvents recent = new RecentEvents(50, 64 * 1024);
    int rooms = 8;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> work = new ArrayList<>();
      for (int r = 0; r < rooms; r++) {
        String room = "room-" + r;
        recent.track(room);
        work.add(pool.submit(() -> {
          start.await();
          for (long s = 1; s <= 2_000; s++) {
            recent.add(event(room, s));
          }
          return null;
        }));
        work.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 2_000; i++) {
            List<RoomEvent> found = recent.after(room, i, 10);
            if (found != null) {
              for (int k = 1; k < found.size(); k++) {
                assertEquals(found.get(k - 1).getSequence() + 1, found.get(k).getSequence(), "a run has no hole");
              }
            }
            if (i % 500 == 0) {
              recent.forget(room);
              recent.track(room);
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : work) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(recent.bytes() <= 64 * 1024 + 8 * 200, "within the budget (one event of slack per room): " + recent.bytes());
    for (int r = 0; r < rooms; r++) {
      recent.forget("room-" + r);
    }
    assertEquals(0, recent.bytes(), "every byte accounted for");
  }
}
