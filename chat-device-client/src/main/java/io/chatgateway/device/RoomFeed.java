package io.chatgateway.device;

import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One room the application subscribed: its position (the sequence of the newest event delivered to
 * the listener) and the rule that delivers each sequence once, in order. Live events that skip ahead
 * of the position are held while a gap fill reads the missing ones from history; the fill is done
 * when the held events follow on from the position.
 *
 * <p>Ownership: the client's loop. Pure: it reads no clock and calls nothing; the loop does the
 * reads a fill needs ({@link ClientCore}).
 */
final class RoomFeed {

  /** No position yet: subscribed without one, and the gateway has not answered. */
  static final long UNKNOWN = -1;

  /** Where a fill stands after a page. */
  enum Fill {
    /** Caught up: the held events were delivered and live ones flow again. */
    DONE,
    /** Read the next page now. */
    MORE,
    /** History has nothing newer yet (the core publishes before it stores); read again shortly. */
    STALLED
  }

  /** Sequences {@code from..to} that will not be delivered. */
  record Gap(long from, long to) {}

  final String roomId;
  private final int maxHeld;
  private final TreeMap<Long, RoomEvent> held = new TreeMap<>();
  private final List<CompletableFuture<RoomSubscriptionResult>> waiting = new ArrayList<>();
  private long position;
  private boolean confirmed;
  private boolean filling;
  private long fillTarget;
  private int fillGeneration;
  private int stalls;

  RoomFeed(String roomId, long position, int maxHeld) {
    this.roomId = roomId;
    this.position = position;
    this.maxHeld = maxHeld;
  }

  long position() {
    return position;
  }

  boolean confirmed() {
    return confirmed;
  }

  boolean filling() {
    return filling;
  }

  /** How many events the fill still has to read at least. */
  long fillBacklog() {
    return fillTarget - position;
  }

  int fillGeneration() {
    return fillGeneration;
  }

  /** Futures of {@link ChatClient#subscribe} calls waiting for the gateway's answer. */
  List<CompletableFuture<RoomSubscriptionResult>> waiting() {
    return waiting;
  }

  /**
   * The gateway confirmed the subscription. Returns whether a fill must start: the gateway did not
   * recover the events after the position ({@code recovered=false}), so the client reads them.
   */
  boolean subscribed(RoomSubscriptionResult result) {
    confirmed = true;
    if (position == UNKNOWN) {
      // Subscribed without a position: live events start after the newest one.
      position = result.getLastSequence();
      return false;
    }
    if (!result.getRecovered() && result.getLastSequence() > position) {
      return fillTo(result.getLastSequence());
    }
    return false;
  }

  /** A live event; appends what may be delivered now to {@code out}. Returns whether a fill must start. */
  boolean live(RoomEvent event, List<RoomEvent> out) {
    long sequence = event.getSequence();
    if (position == UNKNOWN) {
      position = sequence;
      out.add(event);
      return false;
    }
    if (sequence <= position) {
      return false; // already delivered: a resume overlapping what the device had
    }
    if (filling) {
      hold(event);
      return false;
    }
    if (sequence == position + 1) {
      position = sequence;
      out.add(event);
      return false;
    }
    hold(event);
    return fillTo(sequence - 1);
  }

  /**
   * Gives up the events up to {@code skipTo} (a fill beyond the recovery bound); the caller tells
   * the listener about {@code position+1..skipTo}.
   */
  void skip(long skipTo) {
    position = Math.max(position, skipTo);
  }

  /**
   * A page of history (oldest first) read after the position. Appends what may be delivered to
   * {@code out}; reports skipped sequences (a hole history cannot fill) to {@code gaps}.
   */
  Fill filled(List<RoomEvent> page, boolean hasMore, List<RoomEvent> out, List<Gap> gaps) {
    long before = position;
    for (RoomEvent event : page) {
      deliverInOrder(event, out, gaps);
    }
    releaseHeld(out);
    if (held.isEmpty() && position >= fillTarget) {
      filling = false;
      stalls = 0;
      return Fill.DONE;
    }
    if (hasMore && position > before) {
      stalls = 0;
      return Fill.MORE;
    }
    stalls++;
    return Fill.STALLED;
  }

  /** How many reads in a row found nothing new. */
  int stalls() {
    return stalls;
  }

  /**
   * History will not have the missing events (read again several times): delivery skips to the
   * held events. Returns the skipped range, or null when nothing is missing.
   */
  Gap abandonFill(List<RoomEvent> out) {
    long next = held.isEmpty() ? fillTarget + 1 : held.firstKey();
    Gap skipped = next > position + 1 ? new Gap(position + 1, next - 1) : null;
    position = Math.max(position, next - 1);
    releaseHeld(out);
    filling = !held.isEmpty() || position < fillTarget;
    stalls = 0;
    return skipped;
  }

  /** The connection ended: the next hello states the position, so the fill and held events go. */
  void disconnected() {
    confirmed = false;
    filling = false;
    held.clear();
    fillGeneration++;
    stalls = 0;
    fillTarget = 0;
  }

  /** Puts the position in {@code positions} if it is known. */
  void positionInto(Map<String, Long> positions) {
    if (position != UNKNOWN) {
      positions.put(roomId, position);
    }
  }

  private boolean fillTo(long target) {
    fillTarget = Math.max(fillTarget, target);
    if (filling) {
      return false;
    }
    filling = true;
    fillGeneration++;
    return true;
  }

  private void hold(RoomEvent event) {
    long sequence = event.getSequence();
    if (held.size() < maxHeld || (!held.isEmpty() && sequence < held.lastKey())) {
      held.put(sequence, event);
      if (held.size() > maxHeld) {
        // Keep the oldest: they are delivered first; the newest are read from history instead.
        fillTarget = Math.max(fillTarget, held.pollLastEntry().getKey());
      }
    } else {
      fillTarget = Math.max(fillTarget, sequence);
    }
  }

  private void deliverInOrder(RoomEvent event, List<RoomEvent> out, List<Gap> gaps) {
    long sequence = event.getSequence();
    if (sequence <= position) {
      return;
    }
    if (sequence > position + 1) {
      gaps.add(new Gap(position + 1, sequence - 1));
    }
    position = sequence;
    out.add(event);
  }

  private void releaseHeld(List<RoomEvent> out) {
    while (!held.isEmpty() && held.firstKey() <= position + 1) {
      Map.Entry<Long, RoomEvent> first = held.pollFirstEntry();
      if (first.getKey() == position + 1) {
        position = first.getKey();
        out.add(first.getValue());
      }
    }
  }
}
