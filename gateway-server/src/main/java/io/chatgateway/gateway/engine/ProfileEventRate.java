package io.chatgateway.gateway.engine;

import static java.util.Objects.requireNonNull;

import io.chatgateway.bus.RedisChannels;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.gateway.backplane.ProfileRates;
import io.chatgateway.logging.ThrottledLog;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Events per profile per second, in windows of whole epoch seconds, so that every gateway counts the
 * same second. Each gateway admits at most the bound itself; with Redis ({@link #shared}) it also
 * adds every admitted event to the profile's counter for that second, and once the counter shows the
 * bound passed, refuses the profile's events for the rest of the second. The counter is added to
 * without waiting (a send never waits for Redis), so over all gateways a profile may pass the bound
 * by the events admitted while the answers were on their way, a round trip's worth.
 *
 * <p>While Redis is away each gateway still holds the profile to the bound alone.
 *
 * <p>Thread-safe: each profile's window is changed only inside {@link ConcurrentHashMap#compute};
 * Redis answers set its {@code blocked} flag from Lettuce's threads.
 */
public final class ProfileEventRate implements ProfileRates {

  private static final Logger log = Logger.getLogger(ProfileEventRate.class.getName());
  private static final ThrottledLog FAILED = new ThrottledLog(log, Level.WARNING, Duration.ofSeconds(10));
  /** Counts one event and gives the second's key a life of two seconds on its first count. */
  private static final String COUNT =
      "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], 2) end return n";

  private final int perSecond;
  private final LongSupplier epochMillis;
  private final RedisConnector redis; // null: this gateway alone
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
  private final LongAdder refused = new LongAdder();

  /** One profile's current second. */
  private static final class Window {
    long second;
    int admitted;
    volatile boolean blocked; // the shared counter passed the bound in this second
  }

  private ProfileEventRate(int perSecond, LongSupplier epochMillis, RedisConnector redis) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("perSecond must be positive: " + perSecond);
    }
    this.perSecond = perSecond;
    this.epochMillis = requireNonNull(epochMillis, "epochMillis");
    this.redis = redis;
  }

  /** The bound on this gateway alone (the in-memory engine). */
  public static ProfileEventRate local(int perSecond, LongSupplier epochMillis) {
    return new ProfileEventRate(perSecond, epochMillis, null);
  }

  /** The bound over every gateway sharing {@code redis}. */
  public static ProfileEventRate shared(int perSecond, LongSupplier epochMillis, RedisConnector redis) {
    return new ProfileEventRate(perSecond, epochMillis, requireNonNull(redis, "redis"));
  }

  @Override
  public boolean tryAcquire(String profileId) {
    long second = Math.floorDiv(epochMillis.getAsLong(), 1000);
    boolean[] admitted = new boolean[1];
    Window window =
        windows.compute(
            profileId,
            (profile, existing) -> {
              Window w = existing != null ? existing : new Window();
              if (w.second != second) {
                w.second = second;
                w.admitted = 0;
                w.blocked = false;
              }
              if (!w.blocked && w.admitted < perSecond) {
                w.admitted++;
                admitted[0] = true;
              }
              return w;
            });
    if (!admitted[0]) {
      refused.increment();
      return false;
    }
    if (redis != null) {
      count(profileId, second, window);
    }
    return true;
  }

  private void count(String profileId, long second, Window window) {
    redis.commands()
        .<Long>eval(COUNT, ScriptOutputType.INTEGER, RedisChannels.profileRate(profileId, second))
        .whenComplete(
            (total, error) -> {
              if (error != null) {
                FAILED.log(() -> "counting a profile's events in Redis failed (each gateway bounds them alone meanwhile): " + error);
              } else if (total != null && total >= perSecond) {
                markBlocked(profileId, second, window);
              }
            });
  }

  /** The bound is reached over all gateways: nothing more from the profile in this second. */
  private void markBlocked(String profileId, long second, Window window) {
    windows.computeIfPresent(
        profileId,
        (profile, w) -> {
          if (w == window && w.second == second) {
            w.blocked = true;
          }
          return w;
        });
  }

  @Override
  public int perSecond() {
    return perSecond;
  }

  @Override
  public long refused() {
    return refused.sum();
  }

  @Override
  public void prune() {
    long second = Math.floorDiv(epochMillis.getAsLong(), 1000);
    for (String profile : windows.keySet()) {
      windows.computeIfPresent(profile, (p, w) -> w.second < second ? null : w);
    }
  }

  /** Whether the shared count has stopped {@code profileId} for the current second, for tests. */
  boolean blocked(String profileId) {
    boolean[] blocked = new boolean[1];
    windows.computeIfPresent(profileId, (p, w) -> {
      blocked[0] = w.blocked;
      return w;
    });
    return blocked[0];
  }

  /** Profiles with a window, for tests. */
  int profiles() {
    return windows.size();
  }
}
