package io.chatgateway.gateway.session;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * A session's outbound events, bounded by count and by encoded bytes. Many fan-out threads offer,
 * only the session's executor polls. An offer that would pass either bound is refused: the session
 * is then too slow to keep, and is cut rather than allowed to grow without limit. {@link
 * #offerInOverdraft} lets the queue grow to {@link #OVERDRAFT} times its bounds, for a device that
 * is not the one behind (see {@link OutboundPump#offer}).
 *
 * <p>Every delivery passes through here, with the offering lane and the polling event loop on
 * different cores, so each operation costs as few atomic instructions as it can: an offer one
 * compare-and-set on the count and bytes together and one exchange to link its node; a poll plain
 * stores (the consumer owns the head) and one atomic add, which a batch's polls share. An offer
 * whose node is not linked yet is not seen by a poll that runs meanwhile; the offering thread then
 * claims a drain ({@link OutboundPump#offer}), which finds it.
 */
public final class OutboundQueue {

  // Field updaters rather than atomic objects: every connection has a queue.
  private static final AtomicLongFieldUpdater<OutboundQueue> LOAD = AtomicLongFieldUpdater.newUpdater(OutboundQueue.class, "load");
  private static final AtomicReferenceFieldUpdater<OutboundQueue, Node> TAIL = AtomicReferenceFieldUpdater.newUpdater(OutboundQueue.class, Node.class, "tail");
  private static final AtomicReferenceFieldUpdater<Node, Node> NEXT = AtomicReferenceFieldUpdater.newUpdater(Node.class, Node.class, "next");

  /** How many times its bounds a queue may hold in overdraft. */
  static final int OVERDRAFT = 4;

  /** The queue's load packs its byte total in the low bits and its event count above them. */
  private static final int COUNT_SHIFT = 40;
  private static final long BYTES_MASK = (1L << COUNT_SHIFT) - 1;
  private static final long ONE_EVENT = 1L << COUNT_SHIFT;
  /** The largest bounds the packed load holds even in overdraft; larger ones are taken as these. */
  static final int MAX_COUNT_BOUND = (1 << (Long.SIZE - 1 - COUNT_SHIFT)) / OVERDRAFT - 1;
  static final long MAX_BYTES_BOUND = BYTES_MASK / OVERDRAFT;

  private volatile long load; // (count << COUNT_SHIFT) | bytes
  private volatile Node tail; // the newest node; offering threads swap it
  private Node head; // the owning executor only: the node before the oldest event
  private final int maxCount;
  private final long maxBytes;

  public OutboundQueue(int maxCount, long maxBytes) {
    this.maxCount = Math.min(maxCount, MAX_COUNT_BOUND);
    this.maxBytes = Math.min(maxBytes, MAX_BYTES_BOUND);
    Node empty = new Node(null);
    head = empty;
    tail = empty;
  }

  /** Adds {@code event}, or returns false, leaving the queue unchanged, when a bound would be passed. */
  public boolean offer(OutboundEvent event) {
    return offer(event, maxCount, maxBytes);
  }

  /** As {@link #offer}, with bounds {@link #OVERDRAFT} times as large. */
  boolean offerInOverdraft(OutboundEvent event) {
    return offer(event, maxCount * OVERDRAFT, maxBytes * OVERDRAFT);
  }

  private boolean offer(OutboundEvent event, int maxCount, long maxBytes) {
    long size = event.size();
    // One compare-and-set for both bounds: the counters never pass them, not even for a moment, and
    // an offer being refused changes nothing, so it never makes another one fail.
    long current;
    do {
      current = load;
      if (current >>> COUNT_SHIFT >= maxCount || (current & BYTES_MASK) + size > maxBytes) {
        return false;
      }
    } while (!LOAD.compareAndSet(this, current, current + ONE_EVENT + size));
    Node node = new Node(event);
    TAIL.getAndSet(this, node).next = node;
    return true;
  }

  /** The oldest event, or null. Only the owning session's executor calls this. */
  public OutboundEvent poll() {
    OutboundEvent event = pollRetained();
    if (event != null) {
      release(1, event.size());
    }
    return event;
  }

  /**
   * As {@link #poll}, but the event still counts against the queue's bounds until {@link #release}:
   * a drain that takes a batch of events gives their room back with one atomic add rather than one
   * per event, on a word the offering lanes keep reading. Only the owning session's executor calls
   * this.
   */
  OutboundEvent pollRetained() {
    Node next = head.next;
    if (next == null) {
      return null;
    }
    OutboundEvent event = next.event;
    next.event = null; // the node stays as the new head; the event need not
    // Unlink the old head (no producer writes to it again: its successor is already linked). A
    // dead node left pointing at the next would keep, once it is in the old generation, every node
    // queued after it reachable until an old-generation collection, young as they are.
    NEXT.lazySet(head, null);
    head = next;
    return event;
  }

  /** Gives back the room of {@code events} taken by {@link #pollRetained}, {@code bytes} in all. */
  void release(int events, long bytes) {
    LOAD.getAndAdd(this, -(events * ONE_EVENT + bytes));
  }

  /** The oldest event without taking it, or null. Only the owning session's executor calls this. */
  OutboundEvent peek() {
    Node next = head.next;
    return next == null ? null : next.event;
  }

  int size() {
    return (int) (load >>> COUNT_SHIFT);
  }

  long bytes() {
    return load & BYTES_MASK;
  }

  /** One queued event and the link to the next; the executor clears the event once it is polled. */
  private static final class Node {
    OutboundEvent event;
    volatile Node next;

    Node(OutboundEvent event) {
      this.event = event;
    }
  }
}
