package io.chatgateway.gateway.session;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A wall clock and a nanosecond ticker that move together, only when {@link #advance} is called.
 * Starts at the real time, so tokens minted now are valid at the start. Thread-safe.
 */
final class FakeClock extends Clock implements LongSupplier {

  private final Instant start = Instant.now();
  private final AtomicLong elapsedNanos = new AtomicLong();

  void advance(Duration by) {
    elapsedNanos.addAndGet(by.toNanos());
  }

  @Override
  public long getAsLong() {
    return elapsedNanos.get();
  }

  @Override
  public Instant instant() {
    return start.plusNanos(elapsedNanos.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
