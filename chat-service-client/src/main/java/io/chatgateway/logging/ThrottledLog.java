package io.chatgateway.logging;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One log line per interval at most, for conditions that input from outside can cause at any rate
 * (undecodable requests, foreign messages on a channel): the first occurrence is logged, later ones in
 * the same interval are only counted, and the next line says how many there were. Never logs a stack
 * trace.
 *
 * <p>Thread-safe: the last line's time and the count are atomics owned by this object.
 */
public final class ThrottledLog {

  private final Logger log;
  private final Level level;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong lastNanos;
  private final AtomicLong suppressed = new AtomicLong();

  public ThrottledLog(Logger log, Level level, Duration interval) {
    this(log, level, interval, System::nanoTime);
  }

  ThrottledLog(Logger log, Level level, Duration interval, LongSupplier nanoTime) {
    this.log = requireNonNull(log, "log");
    this.level = requireNonNull(level, "level");
    this.intervalNanos = interval.toNanos();
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.lastNanos = new AtomicLong(nanoTime.getAsLong() - intervalNanos);
  }

  /** Logs {@code message} unless a line went out less than an interval ago; returns whether it did. */
  public boolean log(Supplier<String> message) {
    long now = nanoTime.getAsLong();
    long last = lastNanos.get();
    if (now - last < intervalNanos || !lastNanos.compareAndSet(last, now)) {
      suppressed.incrementAndGet();
      return false;
    }
    long others = suppressed.getAndSet(0);
    log.log(level, () -> message.get() + (others > 0 ? " (and " + others + " more like it since the last such line)" : ""));
    return true;
  }
}
