package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void allowsTheBurstThenTheRate() {
    long now = 0;
    TokenBucket bucket = new TokenBucket(10, 20, now);
    int taken = 0;
    while (bucket.tryTake(now)) {
      taken++;
    }
    assertEquals(20, taken, "the burst");
    now += TimeUnit.MILLISECONDS.toNanos(500);
    taken = 0;
    while (bucket.tryTake(now)) {
      taken++;
    }
    assertEquals(5, taken, "half a second at 10/s");
    now += TimeUnit.SECONDS.toNanos(60);
    taken = 0;
    while (bucket.tryTake(now)) {
      taken++;
    }
    assertEquals(20, taken, "never more than the capacity");
  }
}
