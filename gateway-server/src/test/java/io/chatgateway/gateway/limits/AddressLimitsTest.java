package io.chatgateway.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Streams per address and their opening rate, on a clock the test drives. */
class AddressLimitsTest {

  private final AtomicLong clock = new AtomicLong();
  private static final InetAddress PHONE = address("203.0.113.5");
  private static final InetAddress OTHER = address("203.0.113.6");

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void atMostMaxOpenPerAddressAndAPlaceComesBackWhenAStreamEnds() {
    AddressLimits limits = new AddressLimits(2, 0, clock::get);
    assertNull(limits.tryOpen(PHONE));
    assertNull(limits.tryOpen(PHONE));
    assertEquals(AddressLimits.Refusal.TOO_MANY, limits.tryOpen(PHONE));
    assertNull(limits.tryOpen(OTHER), "another address has its own count");
    limits.closed(PHONE);
    assertNull(limits.tryOpen(PHONE));
    assertEquals(1, limits.refused(AddressLimits.Refusal.TOO_MANY));
    assertEquals(2, limits.open(PHONE));
    assertTrue(limits.describe(AddressLimits.Refusal.TOO_MANY, PHONE).contains("MAX_CONNECTIONS_PER_IP=2"));
  }

  @Test
  void theRateAllowsOneSecondsWorthAtOnceThenRefillsWithTime() {
    AddressLimits limits = new AddressLimits(0, 3, clock::get);
    for (int i = 0; i < 3; i++) {
      assertNull(limits.tryOpen(PHONE));
      limits.closed(PHONE);
    }
    assertEquals(AddressLimits.Refusal.TOO_FAST, limits.tryOpen(PHONE));
    clock.addAndGet(Duration.ofMillis(340).toNanos());
    assertNull(limits.tryOpen(PHONE), "a third of a second earns one");
    assertEquals(AddressLimits.Refusal.TOO_FAST, limits.tryOpen(PHONE));
    assertEquals(2, limits.refused(AddressLimits.Refusal.TOO_FAST));
    assertTrue(limits.describe(AddressLimits.Refusal.TOO_FAST, PHONE).contains("CONNECTION_RATE_PER_IP=3"));
  }

  @Test
  void idleAddressesAreForgottenOnceTheirBudgetIsWhole() {
    AddressLimits limits = new AddressLimits(5, 2, clock::get);
    assertNull(limits.tryOpen(PHONE));
    assertNull(limits.tryOpen(OTHER));
    limits.closed(OTHER);
    limits.prune();
    assertEquals(2, limits.addresses(), "OTHER's budget is still refilling");
    clock.addAndGet(Duration.ofSeconds(1).toNanos());
    limits.prune();
    assertEquals(1, limits.addresses(), "PHONE still has a stream; OTHER is forgotten");
    assertEquals(1, limits.open(PHONE));
  }

  @Test
  void offMeansNoStateAndNoRefusal() {
    AddressLimits limits = new AddressLimits(0, 0, clock::get);
    for (int i = 0; i < 1000; i++) {
      assertNull(limits.tryOpen(PHONE));
    }
    assertEquals(0, limits.addresses());
  }

  @Test
  void manyThreadsNeverPassTheBoundAndEveryPlaceComesBack() throws Exception {
    AddressLimits limits = new AddressLimits(10, 0, clock::get);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(threads.submit(() -> {
        start.await();
        for (int i = 0; i < 5_000; i++) {
          if (limits.tryOpen(PHONE) == null) {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            inside.decrementAndGet();
            limits.closed(PHONE);
          } else {
            refused.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> worker : workers) {
      worker.get(30, TimeUnit.SECONDS);
    }
    threads.shutdown();
    assertTrue(most.get() <= 10, "never more than the bound inside: " + most.get());
    assertEquals(0, limits.open(PHONE), "every place given back");
    assertEquals(refused.get(), limits.refused(AddressLimits.Refusal.TOO_MANY));
  }
}
