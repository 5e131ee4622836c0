package io.chatgateway.gateway.session;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One session's way out: its bounded {@link OutboundQueue}, and the drain that writes what is queued
 * to the transport while the transport is ready. For a device that announced the {@code batch}
 * capability, a drain writes what has queued up as {@code EventBatch} messages built from the events'
 * own bytes; it never waits to fill one.
 *
 * <p>Threading: {@link #offer} and {@link #claimDrain} may be called from any thread (fan-out lanes,
 * the session); they touch only the thread-safe queue, the atomic drain flag and the transport's
 * readiness. Everything else is
 * called on the session's executor, which owns the rest of the state.
 */
final class OutboundPump {

  /** Bounds of one batch, as the contract states them; a larger single event is sent alone. */
  static final int MAX_BATCH_EVENTS = 256;
  static final int MAX_BATCH_BYTES = 64 * 1024;

  /** What became of an offered event. */
  enum Offer {
    /** Queued, and the caller claimed the drain: it must start one on the session's executor. */
    DRAIN,
    /** Queued; a drain is already on its way and will find it. */
    QUEUED,
    /** The queue is full and the device reads too slowly (or the overdraft is used up too). */
    FULL
  }

  private static final AtomicIntegerFieldUpdater<OutboundPump> DRAIN_SCHEDULED =
      AtomicIntegerFieldUpdater.newUpdater(OutboundPump.class, "drainScheduled");

  private final OutboundQueue queue;
  private final SessionTransport transport;
  private final SessionMetrics metrics;
  // A field updater, not an AtomicInteger: every idle connection pays for this object.
  private volatile int drainScheduled;
  private boolean batching; // executor
  private boolean closed; // executor

  OutboundPump(OutboundQueue queue, SessionTransport transport, SessionMetrics metrics) {
    this.queue = queue;
    this.transport = transport;
    this.metrics = metrics;
  }

  /** From now on the device unpacks batches (its hello said so). */
  void sendBatches() {
    batching = true;
  }

  /**
   * Queues {@code event}; any thread. A full queue counts against the device only while its
   * transport takes nothing more: while it does, the device keeps up, and the queue filled because
   * this session's drain waits behind other work on its thread (a connect storm on its event loop
   * offers hundreds of presence events before the drain's turn comes). Such a queue may grow into
   * its {@linkplain OutboundQueue#OVERDRAFT overdraft}; beyond that the session is cut either way.
   */
  Offer offer(OutboundEvent event) {
    if (!queue.offer(event) && !(transport.isReady() && queue.offerInOverdraft(event))) {
      return Offer.FULL;
    }
    // A drain that is scheduled but not started yet will find this event: drain() clears the flag
    // before it polls. The flag is read before the compare-and-set: most offers find a drain
    // already claimed, and a read leaves its cache line shared with the event loop rather than
    // taking it over every time.
    return drainScheduled == 0 && DRAIN_SCHEDULED.compareAndSet(this, 0, 1) ? Offer.DRAIN : Offer.QUEUED;
  }

  /**
   * Queues {@code events} to leave together: for a device that takes batches, already packed into as
   * few batches as the bounds allow, so that they count as few messages against the queue's bound
   * however many there are. Executor only (whether the device takes batches is the executor's).
   */
  Offer offerTogether(List<OutboundEvent> events) {
    Offer result = Offer.QUEUED;
    int next = 0;
    while (next < events.size()) {
      int end = batching ? batchEnd(events, next) : next + 1;
      OutboundEvent message = end - next == 1 ? events.get(next) : OutboundEvent.batch(events.subList(next, end));
      Offer offered = offer(message);
      if (offered == Offer.FULL) {
        return Offer.FULL;
      }
      if (offered == Offer.DRAIN) {
        result = Offer.DRAIN;
      }
      next = end;
    }
    return result;
  }

  /** Where the batch that starts at {@code start} of {@code events} ends (exclusive). */
  private static int batchEnd(List<OutboundEvent> events, int start) {
    int end = start + 1;
    int bytes = events.get(start).size();
    while (end < events.size() && fitsBatch(end - start, bytes, events.get(end))) {
      bytes += events.get(end).size();
      end++;
    }
    return end;
  }

  /**
   * Whether {@code next} may join a batch of {@code count} events and {@code bytes} bytes; a batch
   * already packed ({@link #offerTogether}) never joins another.
   */
  private static boolean fitsBatch(int count, int bytes, OutboundEvent next) {
    return !next.isBatch() && count < MAX_BATCH_EVENTS && bytes + next.size() <= MAX_BATCH_BYTES;
  }

  /** Claims the right to start a drain (the transport became writable); any thread. */
  boolean claimDrain() {
    return DRAIN_SCHEDULED.compareAndSet(this, 0, 1);
  }

  /** Writes queued messages while the transport is ready; once closed, writes nothing. */
  void drain() {
    drainScheduled = 0;
    if (closed) {
      return;
    }
    int sent = 0;
    while (transport.isReady()) {
      OutboundEvent next = nextMessage();
      if (next == null) {
        break;
      }
      transport.send(next);
      sent += next.eventCount();
    }
    metrics.eventsSent(sent);
    // If not ready, the transport's onReady calls the session's onWritable, which drains again.
  }

  /**
   * The session ends: writes everything still queued when {@code flush} (bounded by the queue's own
   * limits), then {@code finalEvents}, whatever the transport's readiness, and writes nothing after.
   */
  void close(boolean flush, List<OutboundEvent> finalEvents) {
    closed = true;
    int sent = 0;
    if (flush) {
      for (OutboundEvent next = nextMessage(); next != null; next = nextMessage()) {
        transport.send(next);
        sent += next.eventCount();
      }
    }
    for (OutboundEvent event : finalEvents) {
      transport.send(event);
      sent += event.eventCount();
    }
    metrics.eventsSent(sent);
  }

  /** Events waiting, and their encoded bytes (a snapshot, for messages and metrics). */
  int size() {
    return queue.size();
  }

  long bytes() {
    return queue.bytes();
  }

  /**
   * The next message for the device: the oldest queued event or, for a device that unpacks batches,
   * every queued event that fits one batch. Only what is already queued is taken, never waited for:
   * batches form when the device reads behind its rooms, and then save it and the gateway the
   * per-message cost of the transport.
   */
  private OutboundEvent nextMessage() {
    if (!batching) {
      return queue.poll();
    }
    int queued = queue.size(); // counts every event linked now (an offer counts before it links)
    OutboundEvent first = queue.pollRetained();
    if (first == null) {
      return null;
    }
    OutboundEvent next = first.isBatch() ? null : queue.peek();
    if (next == null || !fitsBatch(1, first.size(), next)) {
      queue.release(1, first.size());
      return first;
    }
    // Sized by what is queued, so that the batch keeps this array as it is (a growing list was
    // copied two or three times per batch, then once more into the batch). Events linked after the
    // size was read leave in the next message, except the one just seen, which may be one of them.
    OutboundEvent[] parts = new OutboundEvent[Math.min(MAX_BATCH_EVENTS, Math.max(2, queued))];
    parts[0] = first;
    int count = 1;
    int bytes = first.size();
    for (; count < parts.length && next != null && fitsBatch(count, bytes, next); next = queue.peek()) {
      parts[count++] = queue.pollRetained();
      bytes += next.size();
    }
    queue.release(count, bytes);
    return OutboundEvent.batchOwning(parts, count);
  }
}
