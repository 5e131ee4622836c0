package io.chatgateway.bench.scenario;

import com.google.protobuf.Timestamp;
import io.chatgateway.bench.loadgen.Latencies;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives publishers and counts deliveries for one fan-out system, the same way for the gateway and for
 * NATS. Every payload carries its publish time ({@link System#nanoTime}, publishers and subscribers
 * share this JVM's clock), and each delivery records publish-to-deliver latency.
 *
 * The payload is the publish time as decimal text.
 *
 * <p>Two ways to publish: <em>max rate</em>, a closed loop per room that keeps at most {@code window}
 * events published but not yet delivered to the room's sentinel subscriber (so the system runs as
 * fast as it can without unbounded queues), and <em>fixed rate</em>, a pacer that publishes on
 * schedule whatever happens downstream.
 *
 * <p>Thread-safe: deliveries arrive on client event loops, the pacer runs on the caller's thread, and
 * each room's publishing is serialized by a lock of its own.
 */
final class FanoutTraffic {

  /** Sends one event with {@code payload} to room {@code room}. */
  interface Publisher {
    void publish(int room, String payload);
  }

  /** Payloads carry time since this origin, so they are never negative. */
  private static final long ORIGIN = System.nanoTime();

  private final int rooms;
  private final Publisher publisher;
  private final AtomicLongArray sent;
  private final AtomicLongArray seenBySentinel;
  private final Object[] roomLocks;
  private volatile boolean closedLoop;
  private volatile int window;
  private volatile Latencies latencies = new Latencies(0);
  private volatile Latencies coreToDevice = new Latencies(0);

  FanoutTraffic(int rooms, Publisher publisher) {
    this.rooms = rooms;
    this.publisher = publisher;
    this.sent = new AtomicLongArray(rooms);
    this.seenBySentinel = new AtomicLongArray(rooms);
    this.roomLocks = new Object[rooms];
    for (int i = 0; i < rooms; i++) {
      roomLocks[i] = new Object();
    }
  }

  /**
   * As {@link #delivered(int, boolean, String)}, for an event the gateway's core stamped with its
   * {@code sentTime} when it accepted it: also records the time from that stamp to this delivery on
   * the machine's wall clock, which the core and the harness share. That is the part of the
   * latency after the publish reached the core (engine, fan-out, session, transport, this client's
   * read); the rest is the way in (publisher, gateway read, core).
   */
  void delivered(int room, boolean sentinel, String payload, Timestamp sentTime) {
    Instant now = Instant.now();
    coreToDevice.record((now.getEpochSecond() - sentTime.getSeconds()) * 1_000_000_000L + now.getNano() - sentTime.getNanos());
    delivered(room, sentinel, payload);
  }

  /** A subscriber got an event of {@code room}; {@code sentinel} marks the one subscriber per room that paces the loop. */
  void delivered(int room, boolean sentinel, String payload) {
    long now = System.nanoTime() - ORIGIN;
    latencies.record(now - Long.parseLong(payload));
    if (sentinel) {
      seenBySentinel.incrementAndGet(room);
      if (closedLoop) {
        pump(room);
      }
    }
  }

  /** Starts the closed loop; returns at once. */
  void startMaxRate(int window) {
    this.window = window;
    closedLoop = true;
    for (int room = 0; room < rooms; room++) {
      pump(room);
    }
  }

  /** Stops publishing and waits until every sentinel has seen every event, so the next phase starts clean. */
  void stopAndDrain(Duration timeout) {
    closedLoop = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      boolean drained = true;
      for (int room = 0; room < rooms; room++) {
        drained &= seenBySentinel.get(room) >= sent.get(room);
      }
      if (drained) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /** Publishes {@code perSecond} events in all (spread over the rooms) for {@code duration}, on this thread. */
  void runFixedRate(double perSecond, Duration duration) {
    double perRoomPerNano = perSecond / rooms / 1e9;
    long start = System.nanoTime();
    long[] base = new long[rooms];
    for (int room = 0; room < rooms; room++) {
      base[room] = sent.get(room);
    }
    long end = start + duration.toNanos();
    long now;
    while ((now = System.nanoTime()) < end) {
      long due = (long) ((now - start) * perRoomPerNano);
      for (int room = 0; room < rooms; room++) {
        synchronized (roomLocks[room]) {
          while (sent.get(room) - base[room] < due) {
            publishOne(room);
          }
        }
      }
      LockSupport.parkNanos(200_000);
    }
  }

  /**
   * Begins a measurement window with room for {@code capacity} latency samples; {@link
   * #coreToDevice()} begins with it.
   */
  Latencies measure(int capacity) {
    Latencies fromCore = new Latencies(capacity);
    coreToDevice = fromCore;
    fromCore.start();
    Latencies window = new Latencies(capacity);
    latencies = window;
    window.start();
    return window;
  }

  /**
   * The current window's core-to-device latencies: empty where deliveries carry no core stamp
   * (NATS, the WebSocket clients, which read the payload only). Stop it with the window.
   */
  Latencies coreToDevice() {
    return coreToDevice;
  }

  long published() {
    long total = 0;
    for (int room = 0; room < rooms; room++) {
      total += sent.get(room);
    }
    return total;
  }

  private void pump(int room) {
    synchronized (roomLocks[room]) {
      while (closedLoop && sent.get(room) - seenBySentinel.get(room) < window) {
        publishOne(room);
      }
    }
  }

  private void publishOne(int room) {
    sent.incrementAndGet(room);
    publisher.publish(room, Long.toString(System.nanoTime() - ORIGIN));
  }
}
