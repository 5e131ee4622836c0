package io.chatgateway.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

  @Test
  void neverMoreThanTheBoundHoldSlotsUnderContention() throws Exception {
    int max = 50;
    ConcurrencyLimit slots = new ConcurrencyLimit(max);
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
    assertEquals(0, slots.inUse(), "every slot given back");
    int refused = 0;
    for (int t = 0; t < 8; t++) {
      refused += refusedByThread.get(t);
    }
    assertEquals(refused, slots.refused(), "every refusal counted");
  }

  @Test
  void aFullBoundRefusesUntilASlotIsGivenBack() {
    ConcurrencyLimit slots = new ConcurrencyLimit(2);
    assertTrue(slots.tryAcquire());
    assertTrue(slots.tryAcquire());
    assertEquals(false, slots.tryAcquire());
    slots.release();
    assertTrue(slots.tryAcquire());
    assertEquals(2, slots.inUse());
    assertEquals(1, slots.refused());
    assertEquals(false, new ConcurrencyLimit(0).tryAcquire(), "0 refuses every acquire");
  }
}
