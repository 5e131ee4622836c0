package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceStatus;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PresenceCopiesTest {

  static PresenceCopies.Change change(String origin, String profile, long millis, PresenceStatus status, String room) {
    return PresenceCopies.Change.of(
        BusEnvelope.newBuilder()
            .setRoomId(room)
            .setOriginId(origin)
            .setPresenceRoomCount(2)
            .setPresence(PresenceEvent.newBuilder().setProfileId(profile).setStatus(status).setLastSeenTime(Timestamps.fromMillis(millis)))
            .build());
  }

  @Test
  void eachRecipientTakesAChangeOnceWhicheverRoomsCopyComesFirst() {
    PresenceCopies copies = new PresenceCopies();
    Object rhea = new Object();
    Object tim = new Object();
    assertTrue(copies.firstTime(change("gw", "sam", 1, PresenceStatus.PRESENCE_STATUS_AWAY, "r1"), rhea));
    assertTrue(copies.firstTime(change("gw", "sam", 1, PresenceStatus.PRESENCE_STATUS_AWAY, "r1"), tim), "another recipient");
    assertFalse(copies.firstTime(change("gw", "sam", 1, PresenceStatus.PRESENCE_STATUS_AWAY, "r2"), rhea), "the room is not part of the change");
    assertTrue(copies.firstTime(change("gw", "sam", 2, PresenceStatus.PRESENCE_STATUS_AWAY, "r2"), rhea), "a later change");
    assertTrue(copies.firstTime(change("gw-2", "sam", 1, PresenceStatus.PRESENCE_STATUS_AWAY, "r2"), rhea), "another publisher's change");
    assertTrue(copies.firstTime(change("gw", "sam", 1, PresenceStatus.PRESENCE_STATUS_BUSY, "r2"), rhea), "another status");
  }

  @Test
  void forgetsTheOldestChangesBeyondItsBounds() {
    PresenceCopies copies = new PresenceCopies();
    Object rhea = new Object();
    for (int i = 0; i <= PresenceCopies.MAX_CHANGES; i++) {
      assertTrue(copies.firstTime(change("gw", "sam", i, PresenceStatus.PRESENCE_STATUS_ONLINE, "r"), rhea));
    }
    assertEquals(PresenceCopies.MAX_CHANGES, copies.size());
    assertTrue(copies.firstTime(change("gw", "sam", 0, PresenceStatus.PRESENCE_STATUS_ONLINE, "r"), rhea), "forgotten: a duplicate at worst");
    assertFalse(copies.firstTime(change("gw", "sam", PresenceCopies.MAX_CHANGES, PresenceStatus.PRESENCE_STATUS_ONLINE, "r"), rhea), "recent ones are kept");
  }

  @Test
  void lanesThatRunConcurrentlyOrFarBehindDeliverEachChangeOncePerRecipient() throws Exception {
    int lanes = 8;
    int changes = 2_000;
    Object[] recipients = new Object[10];
    for (int i = 0; i < recipients.length; i++) {
      recipients[i] = new Object();
    }
    for (int round = 0; round < 10; round++) {
      PresenceCopies copies = new PresenceCopies();
      AtomicInteger delivered = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch othersDone = new CountDownLatch(lanes - 1);
      ExecutorService pool = Executors.newFixedThreadPool(lanes);
      try {
        for (int lane = 0; lane < lanes; lane++) {
          String room = "room-" + lane;
          boolean lagging = lane == 0; // a busy room's lane: its copies come after everyone else's
          pool.execute(() -> {
            try {
              start.await();
              if (lagging) {
                othersDone.await();
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
            for (int c = 0; c < changes; c++) {
              PresenceCopies.Change change = change("gw", "sam", c, PresenceStatus.PRESENCE_STATUS_ONLINE, room);
              for (Object recipient : recipients) {
                if (copies.firstTime(change, recipient)) {
                  delivered.incrementAndGet();
                }
              }
            }
            if (!lagging) {
              othersDone.countDown();
            }
          });
        }
        start.countDown();
      } finally {
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
      }
      assertEquals(changes * recipients.length, delivered.get(), "once per change and recipient, of " + changes * recipients.length * lanes + " copies");
    }
  }
}
