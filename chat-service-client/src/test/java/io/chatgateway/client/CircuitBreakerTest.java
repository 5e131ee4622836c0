package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

  private final AtomicLong now = new AtomicLong();
  private final List<CircuitBreaker.State> transitions = new CopyOnWriteArrayList<>();
  private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(5), now::get, transitions::add);

  @Test
  void opensAfterConsecutiveFailuresAndRefusesUntilTheWindowPasses() {
    fail(2);
    breaker.tryAcquire().complete(Status.Code.OK); // a success resets the count
    fail(2);
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    fail(1);
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertNull(breaker.tryAcquire());
    now.addAndGet(Duration.ofSeconds(4).toNanos());
    assertNull(breaker.tryAcquire());
    assertEquals(1000, breaker.millisUntilProbe());
  }

  @Test
  void answeredErrorsAreSuccessesAndCancelsAreNeutral() {
    for (int i = 0; i < 10; i++) {
      breaker.tryAcquire().complete(Status.Code.NOT_FOUND);
      breaker.tryAcquire().complete(Status.Code.CANCELLED);
      breaker.tryAcquire().complete(Status.Code.PERMISSION_DENIED);
    }
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    assertEquals(List.of(), transitions);
  }

  @Test
  void oneProbeAfterTheWindowClosesOnSuccessAndReopensOnFailure() {
    fail(3);
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    CircuitBreaker.Permit probe = breaker.tryAcquire();
    assertNotNull(probe);
    assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
    assertNull(breaker.tryAcquire(), "only one probe at a time");
    probe.complete(Status.Code.DEADLINE_EXCEEDED);
    assertEquals(CircuitBreaker.State.OPEN, breaker.state());
    assertNull(breaker.tryAcquire(), "a failed probe restarts the window");

    now.addAndGet(Duration.ofSeconds(5).toNanos());
    breaker.tryAcquire().complete(Status.Code.OK);
    assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    assertEquals(
        List.of(
            CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.OPEN,
            CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.CLOSED),
        transitions);
  }

  @Test
  void aCancelledProbeFreesTheProbeSlot() {
    fail(3);
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    breaker.tryAcquire().complete(Status.Code.CANCELLED);
    assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
    assertNotNull(breaker.tryAcquire(), "the next call may probe");
  }

  @Test
  void manyThreadsRacingForTheProbeAdmitExactlyOne() throws Exception {
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 200; round++) {
        fail(3);
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        List<Future<CircuitBreaker.Permit>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    CircuitBreaker.Permit permit = breaker.tryAcquire();
                    if (permit != null) {
                      admitted.incrementAndGet();
                    }
                    return permit;
                  }));
        }
        start.countDown();
        CircuitBreaker.Permit probe = null;
        for (Future<CircuitBreaker.Permit> result : results) {
          CircuitBreaker.Permit permit = result.get(10, TimeUnit.SECONDS);
          if (permit != null) {
            probe = permit;
          }
        }
        assertEquals(1, admitted.get(), "round " + round);
        probe.complete(Status.Code.OK);
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentFailuresOpenItExactlyOnce() throws Exception {
    CircuitBreaker shared = new CircuitBreaker(50, Duration.ofHours(1), now::get, transitions::add);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 1_000; i++) {
                    CircuitBreaker.Permit permit = shared.tryAcquire();
                    if (permit != null) {
                      permit.complete(Status.Code.UNAVAILABLE);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
      assertEquals(CircuitBreaker.State.OPEN, shared.state());
      assertEquals(List.of(CircuitBreaker.State.OPEN), transitions);
    } finally {
      pool.shutdownNow();
    }
  }

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      breaker.tryAcquire().complete(Status.Code.UNAVAILABLE);
    }
  }
}
