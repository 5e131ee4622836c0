package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

  @Test
  void movingToAnotherExecutorWhileTasksArriveKeepsThemSerialAndInOrder() throws Exception {
    ForkJoinPool pool = new ForkJoinPool(4);
    ExecutorService ioThread = Executors.newSingleThreadExecutor(task -> new Thread(task, "io-thread"));
    SerialExecutor serial = new SerialExecutor(pool);
    int submitters = 8;
    int perSubmitter = 5_000;
    AtomicInteger running = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    int[] lastSeen = new int[submitters];
    List<String> outOfOrder = new ArrayList<>();
    Set<String> threadsUsed = ConcurrentHashMap.newKeySet();
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
              if (submitter == 0 && n == perSubmitter / 2) {
                serial.moveTo(ioThread); // mid-stream, while the others keep submitting
              }
              serial.execute(
                  () -> {
                    if (running.incrementAndGet() != 1) {
                      overlapped.set(true);
                    }
                    if (lastSeen[submitter] != n - 1) {
                      outOfOrder.add(submitter + ":" + n);
                    }
                    lastSeen[submitter] = n;
                    threadsUsed.add(Thread.currentThread().getName().startsWith("io-thread") ? "io" : "pool");
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
    assertFalse(overlapped.get(), "two tasks ran at once");
    assertEquals(List.of(), outOfOrder);
    assertEquals(Set.of("io", "pool"), threadsUsed, "tasks ran on the pool, then on the I/O thread");
    AtomicReference<String> after = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    serial.execute(() -> {
      after.set(Thread.currentThread().getName());
      ran.countDown();
    });
    assertEquals(true, ran.await(5, TimeUnit.SECONDS));
    assertEquals("io-thread", after.get(), "after the move, tasks run on the I/O thread");
    ioThread.shutdown();
    pool.shutdown();
  }

  @Test
  void tasksGoToThePoolOnceTheIoThreadRefusesThem() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(task -> new Thread(task, "pool-thread"));
    ExecutorService stopped = Executors.newSingleThreadExecutor();
    stopped.shutdown(); // an event loop that is shutting down refuses work the same way
    SerialExecutor serial = new SerialExecutor(pool);
    serial.moveTo(stopped);
    AtomicReference<String> ranOn = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    serial.execute(() -> {
      ranOn.set(Thread.currentThread().getName());
      ran.countDown();
    });
    assertEquals(true, ran.await(5, TimeUnit.SECONDS), "the task ran although the I/O thread refused it");
    assertEquals("pool-thread", ranOn.get());
    pool.shutdown();
  }
}
