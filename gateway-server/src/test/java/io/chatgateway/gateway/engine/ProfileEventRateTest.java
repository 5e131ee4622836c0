package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.RedisExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Events per profile per second, alone and shared through a real Redis, on a clock the test drives. */
class ProfileEventRateTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

  @Test
  void aloneTheBoundHoldsPerSecondAndPerProfile() {
    ProfileEventRate rate = ProfileEventRate.local(3, millis::get);
    for (int i = 0; i < 3; i++) {
      assertTrue(rate.tryAcquire("alice"));
    }
    assertFalse(rate.tryAcquire("alice"));
    assertTrue(rate.tryAcquire("bob"), "bob has his own budget");
    millis.addAndGet(999);
    assertFalse(rate.tryAcquire("alice"), "still the same second");
    millis.addAndGet(1);
    assertTrue(rate.tryAcquire("alice"), "a new second");
    assertEquals(2, rate.refused());
    rate.prune();
    assertEquals(1, rate.profiles(), "bob sent nothing this second and is forgotten");
  }

  @Test
  void sharedTheOtherGatewaysEventsCountToo() {
    // A second of its own, so that no earlier run's counter is in the way.
    millis.set(System.currentTimeMillis() / 1000 * 1000 + 10_000_000);
    try (RedisConnector first = RedisConnector.connect(RedisTarget.parse(redis.cacheUri()), Duration.ofSeconds(2));
        RedisConnector second = RedisConnector.connect(RedisTarget.parse(redis.cacheUri()), Duration.ofSeconds(2))) {
      ProfileEventRate gatewayA = ProfileEventRate.shared(3, millis::get, first);
      ProfileEventRate gatewayB = ProfileEventRate.shared(3, millis::get, second);
      for (int i = 0; i < 3; i++) {
        assertTrue(gatewayA.tryAcquire("carol"));
      }
      assertFalse(gatewayA.tryAcquire("carol"));
      // A's counts are sent without waiting; once its third answer says 3, all three are in Redis.
      Await.until(Duration.ofSeconds(10), () -> gatewayA.blocked("carol"), "A's three counts in Redis");
      // B has admitted nothing of carol's itself; it learns of A's three from its first count.
      assertTrue(gatewayB.tryAcquire("carol"), "admitted before the counter's answer: the documented overshoot");
      Await.until(Duration.ofSeconds(10), () -> gatewayB.blocked("carol"), "B sees the shared count past the bound");
      assertFalse(gatewayB.tryAcquire("carol"));
      assertTrue(gatewayB.tryAcquire("dave"), "other profiles are not affected");
      millis.addAndGet(1000);
      assertTrue(gatewayB.tryAcquire("carol"), "the next second starts over");
    }
  }
}
