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
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  private static final int SUBMITTERS = 8;
  private static final int PER_SUBMITTER = 5_000;

  @Test
  void tasksFromManyThreadsRunOneAtATimeAndInEachSubmittersOrder() throws Exception {
    ForkJoinPool pool = new ForkJoinPool(4);
    SerialExecutor serial = new SerialExecutor(pool);
    submitFromManyThreads(serial, (submitter, n) -> {}, () -> {});
    pool.shutdown();
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
    Set<String> threadsUsed = ConcurrentHashMap.newKeySet();
    submitFromManyThreads(
        serial,
        (submitter, n) -> {
          if (submitter == 0 && n == PER_SUBMITTER / 2) {
            serial.moveTo(ioThread); // mid-stream, while the others keep submitting
          }
        },
        () -> threadsUsed.add(Thread.currentThread().getName().startsWith("io-thread") ? "io" : "pool"));
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

  /**
   * {@link #SUBMITTERS} threads each submit {@link #PER_SUBMITTER} tasks to {@code serial}, calling
   * {@code beforeSubmit} before each; every task calls {@code inTask}. Asserts that no two tasks ran
   * at once and that each submitter's tasks ran in its order.
   */
  private static void submitFromManyThreads(SerialExecutor serial, BiConsumer<Integer, Integer> beforeSubmit, Runnable inTask)
      throws InterruptedException {
    AtomicInteger running = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    int[] lastSeen = new int[SUBMITTERS]; // only touched by serial tasks: no lock needed if they are serial
    List<String> outOfOrder = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(SUBMITTERS * PER_SUBMITTER);
    ExecutorService threads = Executors.newFixedThreadPool(SUBMITTERS);
    CountDownLatch start = new CountDownLatch(1);
    for (int s = 0; s < SUBMITTERS; s++) {
      int submitter = s;
      threads.submit(
          () -> {
            start.await();
            for (int i = 1; i <= PER_SUBMITTER; i++) {
              int n = i;
              beforeSubmit.accept(submitter, n);
              serial.execute(
                  () -> {
                    if (running.incrementAndGet() != 1) {
                      overlapped.set(true);
                    }
                    if (lastSeen[submitter] != n - 1) {
                      outOfOrder.add(submitter + ":" + n);
                    }
                    lastSeen[submitter] = n;
                    inTask.run();
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
  }
}
