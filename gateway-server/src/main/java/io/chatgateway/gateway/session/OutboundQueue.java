package io.chatgateway.gateway.session;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's outbound events, bounded by count and by encoded bytes. Many fan-out threads offer,
 * only the session's executor polls. An offer that would pass either bound is refused: the session
 * is then too slow to keep, and is cut rather than allowed to grow without limit.
 */
final class OutboundQueue {

  private final Queue<OutboundEvent> events = new ConcurrentLinkedQueue<>();
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final int maxCount;
  private final long maxBytes;

  OutboundQueue(int maxCount, long maxBytes) {
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /** Adds {@code event}, or returns false, leaving the queue unchanged, when a bound would be passed. */
  boolean offer(OutboundEvent event) {
    int size = event.size();
    // Compare-and-set loops: the counters never pass their bounds, not even for a moment, so a
    // concurrent offer is never refused because of another offer that is itself being refused.
    int current;
    do {
      current = count.get();
      if (current >= maxCount) {
        return false;
      }
    } while (!count.compareAndSet(current, current + 1));
    long currentBytes;
    do {
      currentBytes = bytes.get();
      if (currentBytes + size > maxBytes) {
        count.decrementAndGet();
        return false;
      }
    } while (!bytes.compareAndSet(currentBytes, currentBytes + size));
    events.add(event);
    return true;
  }

  /** The oldest event, or null. Only the owning session's executor calls this. */
  OutboundEvent poll() {
    OutboundEvent event = events.poll();
    if (event != null) {
      count.decrementAndGet();
      bytes.addAndGet(-event.size());
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
    return count.get();
  }

  long bytes() {
    return bytes.get();
  }
}
