package io.chatgateway.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A client's loop on a pool shared by many clients: each client's tasks one at a time, in order. */
class LoopSchedulerTest {

  @Test
  void loopsSharingAPoolRunTheirOwnTasksOneAtATimeInOrder() throws Exception {
    ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
    try {
      int loops = 8;
      int tasksPerThread = 2_000;
      int submitters = 4;
      List<LoopScheduler> schedulers = new ArrayList<>();
      List<AtomicInteger> running = new ArrayList<>();
      List<int[]> lastSeen = new ArrayList<>(); // per loop, per submitter: the last sequence run (loop-confined)
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger outOfOrder = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(loops * submitters * tasksPerThread);
      for (int i = 0; i < loops; i++) {
        schedulers.add(LoopScheduler.shared(pool));
        running.add(new AtomicInteger());
        lastSeen.add(new int[submitters]);
      }
      List<Thread> threads = new ArrayList<>();
      for (int s = 0; s < submitters; s++) {
        int submitter = s;
        Thread thread =
            new Thread(() -> {
              for (int n = 1; n <= tasksPerThread; n++) {
                int sequence = n;
                for (int l = 0; l < loops; l++) {
                  int loop = l;
                  schedulers.get(loop).execute(() -> {
                    if (running.get(loop).incrementAndGet() != 1) {
                      overlaps.incrementAndGet();
                    }
                    int[] seen = lastSeen.get(loop);
                    if (seen[submitter] != sequence - 1) {
                      outOfOrder.incrementAndGet();
                    }
                    seen[submitter] = sequence;
                    running.get(loop).decrementAndGet();
                    done.countDown();
                  });
                }
              }
            });
        threads.add(thread);
        thread.start();
      }
      assertTrue(done.await(30, TimeUnit.SECONDS), "every task ran");
      for (Thread thread : threads) {
        thread.join();
      }
      assertEquals(0, overlaps.get(), "never two tasks of one loop at once");
      assertEquals(0, outOfOrder.get(), "each submitter's tasks in the order submitted");

      schedulers.get(0).shutdown();
      assertFalse(pool.isShutdown(), "a client never shuts down the application's pool");
      CountDownLatch others = new CountDownLatch(1);
      schedulers.get(1).execute(others::countDown);
      assertTrue(others.await(10, TimeUnit.SECONDS), "the other clients' loops go on");
    } finally {
      pool.shutdownNow();
    }
  }
}
