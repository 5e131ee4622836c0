package io.chatgateway.device;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Reconnect delays with full jitter: attempt {@code n} waits a uniformly random time in {@code [0,
 * min(cap, base * 2^n))}. Spreading every device of an outage over the whole window, rather than
 * around one growing value, is what keeps ten thousand devices of a killed gateway from arriving
 * at the next one together.
 *
 * <p>Ownership: the client's loop.
 */
final class Backoff {

  private final long baseNanos;
  private final long capNanos;
  private final RandomGenerator random;
  private int attempt;

  Backoff(Duration base, Duration cap, RandomGenerator random) {
    this.baseNanos = base.toNanos();
    this.capNanos = cap.toNanos();
    this.random = random;
  }

  /** The wait before the next attempt; each call widens the window until it reaches the cap. */
  Duration next() {
    long window = nextWindow().toNanos();
    attempt++;
    return Duration.ofNanos(window <= 0 ? 0 : random.nextLong(window));
  }

  /** The window of the next attempt's delay: {@code min(cap, base * 2^attempts)}, without overflow. */
  Duration nextWindow() {
    // base << attempt overflows long for large attempts; the cap is reached long before.
    boolean belowCap = attempt < 62 && baseNanos <= (capNanos >> attempt);
    return Duration.ofNanos(belowCap ? Math.min(capNanos, baseNanos << attempt) : capNanos);
  }

  /** A connection succeeded: the next failure starts from the base again. */
  void reset() {
    attempt = 0;
  }

  /** Attempts since the last reset. */
  int attempts() {
    return attempt;
  }
}
