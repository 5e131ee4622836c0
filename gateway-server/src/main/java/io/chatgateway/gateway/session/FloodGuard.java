package io.chatgateway.gateway.session;

import java.util.concurrent.TimeUnit;

/**
 * Inbound frame limits of one session: a token bucket of {@code MAX_EVENTS_PER_SECOND} holding two
 * seconds' worth for bursts, and strikes for refused frames. Refusals less than a second apart add
 * up; more than a second's worth of them in a row is a flood, and the session closes.
 *
 * <p>Threading: owned by its session's executor.
 */
final class FloodGuard {

  /** What to do with a refused frame. */
  enum Strike {
    /** Answer it with an error and carry on. */
    REFUSE,
    /** The device keeps sending refused frames: close the session. */
    CLOSE
  }

  private static final long STRIKES_FORGIVEN_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final TokenBucket bucket;
  private final int maxStrikes;
  private int strikes;
  private long lastStrikeNanos;

  FloodGuard(int perSecond, long nowNanos) {
    this.bucket = new TokenBucket(perSecond, 2 * perSecond, nowNanos);
    this.maxStrikes = perSecond;
  }

  /** Whether a frame arriving at {@code now} is within the rate. */
  boolean admit(long nowNanos) {
    return bucket.tryTake(nowNanos);
  }

  /** Counts a refused frame (over the rate, or malformed) at {@code now}. */
  Strike strike(long nowNanos) {
    strikes = nowNanos - lastStrikeNanos > STRIKES_FORGIVEN_AFTER_NANOS ? 1 : strikes + 1;
    lastStrikeNanos = nowNanos;
    return strikes > maxStrikes ? Strike.CLOSE : Strike.REFUSE;
  }
}
