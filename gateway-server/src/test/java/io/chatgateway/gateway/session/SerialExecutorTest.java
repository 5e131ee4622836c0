package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  @Test
  void tasksFromManyThreadsRunOneAtATimeAndInEachSubmittersOrder() throws Exception {
    ForkJoinPool pool = new ForkJoinPool(4);
    SerialExecutor serial = new SerialExecutor(pool);
    int submitters = 8;
    int perSubmitter = 5_000;
    AtomicInteger running = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    int[] lastSeen = new int[submitters]; // only touched by serial tasks: no lock needed if they are serial
    List<String> outOfOrder = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(submitters * perSubmitter);
    ExecutorService threads = Executors.newFixedThreadPool(submitters);
    CountDownLatch start = new CountDownLatch(1);
    for (int s = 0; s < submitters; s++) {
      int submitter = s;
      threads.submit(
          () -> {
            start.await();
            for (int i = 1; i <= perSubmitter; i++) {
              int n = i;
              serial.execute(
                  () -> {
                    if (running.incrementAndGet() != 1) {
                      overlapped.set(true);
                    }
                    if (lastSeen[submitter] != n - 1) {
                      outOfOrder.add(submitter + ":" + n);
                    }
                    lastSeen[submitter] = n;
                    running.decrementAndGet();
                    done.countDown();
                  });
            }
            return null;
          });
    }
    start.countDown();
    assertEquals(true, done.await(60, TimeUnit.SECONDS));
    threads.shutdown();
    pool.shutdown();
    assertFalse(overlapped.get(), "two tasks ran at once");
    assertEquals(List.of(), outOfOrder);
  }

  @Test
  void aFailingTaskDoesNotStopTheNext() throws Exception {
    SerialExecutor serial = new SerialExecutor(Runnable::run);
    CountDownLatch ran = new CountDownLatch(1);
    serial.execute(() -> {
      throw new IllegalStateException("boom (expected by the test)");
    });
    serial.execute(ran::countDown);
    assertEquals(true, ran.await(5, TimeUnit.SECONDS));
  }
}
