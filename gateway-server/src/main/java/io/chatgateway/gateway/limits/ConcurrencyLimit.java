package io.chatgateway.gateway.limits;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * At most {@code max} of something at once: WebSockets waiting to authenticate ({@code
 * MAX_UNAUTHENTICATED_CONNECTIONS}), Connect-protocol requests in flight ({@code
 * MAX_CONNECT_REQUESTS}).
 *
 * <p>A holder takes a slot with {@link #tryAcquire} and gives it back exactly once with {@link
 * #release}; a refused acquire is counted ({@link #refused}) for the metrics. Thread-safe; its state
 * (the count in use and the refusals) is owned by this object and changed only atomically.
 */
public final class ConcurrencyLimit {

  private final int max;
  private final AtomicInteger inUse = new AtomicInteger();
  private final LongAdder refused = new LongAdder();

  /** @param max slots; 0 refuses every acquire */
  public ConcurrencyLimit(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative: " + max);
    }
    this.max = max;
  }

  /** Takes a slot; false (and counted as refused) when all {@code max} are taken. */
  public boolean tryAcquire() {
    while (true) {
      int current = inUse.get();
      if (current >= max) {
        refused.increment();
        return false;
      }
      if (inUse.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /** Gives back a slot taken by {@link #tryAcquire}. */
  public void release() {
    inUse.decrementAndGet();
  }

  /** Slots taken now. */
  public int inUse() {
    return inUse.get();
  }

  /** Acquires refused since start. */
  public long refused() {
    return refused.sum();
  }

  public int max() {
    return max;
  }
}
