package io.chatgateway.gateway.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class UnauthenticatedConnectionsTest {

  @Test
  void neverMoreThanTheBoundHoldSlotsUnderContention() throws Exception {
    int max = 50;
    UnauthenticatedConnections slots = new UnauthenticatedConnections(max);
    AtomicInteger holding = new AtomicInteger();
    AtomicInteger mostHeld = new AtomicInteger();
    AtomicIntegerArray refusedByThread = new AtomicIntegerArray(8);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (int t = 0; t < 8; t++) {
      int thread = t;
      pool.execute(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          if (slots.tryAcquire()) {
            mostHeld.accumulateAndGet(holding.incrementAndGet(), Math::max);
            holding.decrementAndGet();
            slots.release();
          } else {
            refusedByThread.incrementAndGet(thread);
          }
        }
      });
    }
    start.countDown();
    pool.shutdown();
    assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    assertTrue(mostHeld.get() <= max, "held at once: " + mostHeld.get());
    assertEquals(0, slots.open(), "every slot given back");
  }

  @Test
  void aFullBoundRefusesUntilASlotIsGivenBack() {
    UnauthenticatedConnections slots = new UnauthenticatedConnections(2);
    assertTrue(slots.tryAcquire());
    assertTrue(slots.tryAcquire());
    assertEquals(false, slots.tryAcquire());
    slots.release();
    assertTrue(slots.tryAcquire());
    assertEquals(2, slots.open());
    assertEquals(false, new UnauthenticatedConnections(0).tryAcquire(), "0 refuses every token-less upgrade");
  }
}
