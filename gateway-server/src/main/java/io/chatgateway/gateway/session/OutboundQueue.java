package io.chatgateway.gateway.session;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * A session's outbound events, bounded by count and by encoded bytes. Many fan-out threads offer,
 * only the session's executor polls. An offer that would pass either bound is refused: the session
 * is then too slow to keep, and is cut rather than allowed to grow without limit. {@link
 * #offerInOverdraft} lets the queue grow to {@link #OVERDRAFT} times its bounds, for a device that
 * is not the one behind (see {@link OutboundPump#offer}).
 */
public final class OutboundQueue {

  // Field updaters rather than atomic objects: every connection has a queue, and the two objects
  // would cost 40 bytes each.
  private static final AtomicIntegerFieldUpdater<OutboundQueue> COUNT = AtomicIntegerFieldUpdater.newUpdater(OutboundQueue.class, "count");
  private static final AtomicLongFieldUpdater<OutboundQueue> BYTES = AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "bytes");

  /** How many times its bounds a queue may hold in overdraft. */
  static final int OVERDRAFT = 4;

  private final Queue<OutboundEvent> events = new ConcurrentLinkedQueue<>();
  private volatile int count;
  private volatile long bytes;
  private final int maxCount;
  private final long maxBytes;

  public OutboundQueue(int maxCount, long maxBytes) {
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /** Adds {@code event}, or returns false, leaving the queue unchanged, when a bound would be passed. */
  public boolean offer(OutboundEvent event) {
    return offer(event, maxCount, maxBytes);
  }

  /** As {@link #offer}, with bounds {@link #OVERDRAFT} times as large. */
  boolean offerInOverdraft(OutboundEvent event) {
    return offer(event, (int) Math.min(Integer.MAX_VALUE, (long) maxCount * OVERDRAFT), maxBytes * OVERDRAFT);
  }

  private boolean offer(OutboundEvent event, int maxCount, long maxBytes) {
    int size = event.size();
    // Compare-and-set loops: the counters never pass their bounds, not even for a moment, so a
    // concurrent offer is never refused because of another offer that is itself being refused.
    int current;
    do {
      current = count;
      if (current >= maxCount) {
        return false;
      }
    } while (!COUNT.compareAndSet(this, current, current + 1));
    long currentBytes;
    do {
      currentBytes = bytes;
      if (currentBytes + size > maxBytes) {
        COUNT.decrementAndGet(this);
        return false;
      }
    } while (!BYTES.compareAndSet(this, currentBytes, currentBytes + size));
    events.add(event);
    return true;
  }

  /** The oldest event, or null. Only the owning session's executor calls this. */
  public OutboundEvent poll() {
    OutboundEvent event = events.poll();
    if (event != null) {
      COUNT.decrementAndGet(this);
      BYTES.addAndGet(this, -event.size());
    }
    return event;
  }

  /** The oldest event without taking it, or null. Only the owning session's executor calls this. */
  OutboundEvent peek() {
    return events.peek();
  }

  boolean isEmpty() {
    return events.isEmpty();
  }

  int size() {
    return count;
  }

  long bytes() {
    return bytes;
  }
}
