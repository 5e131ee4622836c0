package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.RoomEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The newest events of each room this gateway fans out, so a resume or a subscribe from a position
 * is served here instead of by the core: after a gateway dies, its devices come back to the others
 * all at once, mostly to rooms those gateways are already in. Per room it keeps one run of
 * consecutive sequences ending at the newest event seen: live events extend it (one that skips ahead
 * starts a new run, so a run never has a hole), and pages a session read from the core extend it
 * backwards, so the next device of the same room finds them here.
 *
 * <p>Bounded: at most {@code perRoom} events per room (the oldest go first) and {@code maxBytes} of
 * encoded events in all (whole rooms are dropped, in no particular order, until it fits). A room is
 * tracked from its first local subscriber on, and its run is dropped when the last one leaves.
 *
 * <p>Thread-safe. Each run is guarded by its own monitor; a room's lane appends, sessions read and
 * extend backwards.
 */
final class RecentEvents {

  /** One room's run: consecutive sequences, oldest first. */
  private static final class Run {
    final ArrayDeque<RoomEvent> events = new ArrayDeque<>();
    long bytes;
    boolean forgotten; // removed from the map: changes to it no longer count

    long first() {
      return events.isEmpty() ? 0 : events.peekFirst().getSequence();
    }

    long last() {
      return events.isEmpty() ? 0 : events.peekLast().getSequence();
    }
  }

  private final int perRoom;
  private final long maxBytes;
  private final ConcurrentHashMap<String, Run> rooms = new ConcurrentHashMap<>();
  // Core reads under way, by room: one session reads, the others of the room wait and look here again.
  private final ConcurrentHashMap<String, CompletableFuture<Void>> reading = new ConcurrentHashMap<>();
  private final AtomicLong bytes = new AtomicLong();

  RecentEvents(int perRoom, long maxBytes) {
    this.perRoom = perRoom;
    this.maxBytes = maxBytes;
  }

  /** The room has its first local subscriber: its events are kept from now on. */
  void track(String roomId) {
    if (perRoom > 0) {
      rooms.computeIfAbsent(roomId, room -> new Run());
    }
  }

  /** A live event of its room, in the room's lane order. */
  void add(RoomEvent event) {
    if (perRoom == 0) {
      return;
    }
    Run run = rooms.computeIfAbsent(event.getRoomId(), room -> new Run());
    long delta;
    synchronized (run) {
      long sequence = event.getSequence();
      if (run.forgotten || (!run.events.isEmpty() && sequence <= run.last())) {
        return; // seen already, or the room was just forgotten
      }
      long before = run.bytes;
      if (!run.events.isEmpty() && sequence != run.last() + 1) {
        run.events.clear(); // a gap: the run starts again here, never with a hole
        run.bytes = 0;
      }
      run.events.addLast(event);
      run.bytes += event.getSerializedSize();
      trim(run);
      delta = run.bytes - before;
    }
    account(delta);
  }

  /**
   * A page of {@code roomId}'s history (consecutive, oldest first) a session read from the core: it
   * extends the run backwards when it reaches the run's start. Pages that do not touch the run are
   * dropped; an empty run takes the page.
   */
  void addHistory(String roomId, List<RoomEvent> page) {
    if (perRoom == 0 || page.isEmpty()) {
      return;
    }
    Run run = rooms.get(roomId);
    if (run == null) {
      return; // no local subscriber any more
    }
    long delta;
    synchronized (run) {
      if (run.forgotten) {
        return;
      }
      long before = run.bytes;
      if (run.events.isEmpty()) {
        for (RoomEvent event : page) {
          run.events.addLast(event);
          run.bytes += event.getSerializedSize();
        }
      } else if (page.get(page.size() - 1).getSequence() >= run.first() - 1 && page.get(0).getSequence() < run.first()) {
        long first = run.first();
        for (int i = page.size() - 1; i >= 0; i--) {
          RoomEvent event = page.get(i);
          if (event.getSequence() < first && run.events.size() < perRoom) {
            run.events.addFirst(event);
            run.bytes += event.getSerializedSize();
          }
        }
      }
      trim(run);
      delta = run.bytes - before;
    }
    account(delta);
  }

  /**
   * {@code roomId}'s events after {@code after}, oldest first, at most {@code max}; empty when the
   * run has nothing newer, null when it does not reach back to {@code after + 1} (ask the core).
   */
  List<RoomEvent> after(String roomId, long after, int max) {
    Run run = rooms.get(roomId);
    if (run == null) {
      return null;
    }
    synchronized (run) {
      if (run.events.isEmpty() || run.first() > after + 1) {
        return null;
      }
      List<RoomEvent> found = new ArrayList<>(Math.min(max, Math.max(0, (int) (run.last() - after))));
      for (RoomEvent event : run.events) {
        if (event.getSequence() > after) {
          if (found.size() == max) {
            break;
          }
          found.add(event);
        }
      }
      return found;
    }
  }

  /**
   * Claims the core read of {@code roomId}'s history: null when the caller got it (it reads, then
   * calls {@link #readDone}); otherwise the read already under way, after which the caller looks here
   * again instead of asking the core the same. After a gateway dies, its devices come back to a room
   * at once; this makes the first one read for all of them. Rooms not kept here are never claimed.
   */
  CompletableFuture<Void> claimRead(String roomId) {
    if (perRoom == 0 || !rooms.containsKey(roomId)) {
      return null;
    }
    return reading.putIfAbsent(roomId, new CompletableFuture<>());
  }

  /** The read {@link #claimRead} gave the caller is over (answered or failed): whoever waited looks again. */
  void readDone(String roomId) {
    CompletableFuture<Void> done = reading.remove(roomId);
    if (done != null) {
      done.complete(null);
    }
  }

  /** The room has no local subscriber any more: its run goes. */
  void forget(String roomId) {
    Run run = rooms.remove(roomId);
    if (run != null) {
      long held;
      synchronized (run) {
        held = run.bytes;
        run.forgotten = true;
        run.events.clear();
        run.bytes = 0;
      }
      bytes.addAndGet(-held);
    }
  }

  /** Encoded bytes held now (for tests and metrics). */
  long bytes() {
    return bytes.get();
  }

  private void trim(Run run) {
    while (run.events.size() > perRoom) {
      run.bytes -= run.events.pollFirst().getSerializedSize();
    }
  }

  private void account(long delta) {
    if (bytes.addAndGet(delta) > maxBytes) {
      for (Iterator<String> it = rooms.keySet().iterator(); it.hasNext() && bytes.get() > maxBytes; ) {
        forget(it.next());
      }
    }
  }
}
