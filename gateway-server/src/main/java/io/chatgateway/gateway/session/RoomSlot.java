package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One room one session listens to, and the session's position in it: the sequence of the newest
 * room event given to the device. Fan-out offers every event of the room here. While the slot is
 * {@linkplain State#HOLDING holding} (membership not yet confirmed, or a gap being filled from
 * history) it keeps events back; once {@linkplain State#LIVE live} it lets an event through only if
 * it is the next in sequence, drops one the device already has, and turns back to holding when one
 * skips ahead, so the session fetches what is missing first. Events without a sequence (typing,
 * presence, receipts) pass whenever the slot is live.
 *
 * <p>Threading: fan-out lanes ({@link #offer}) and the session's executor (everything else) both use
 * it; all state is guarded by this object's monitor, which {@link #release} holds while it hands
 * out held events, so no live event overtakes them.
 */
final class RoomSlot {

  /** What became of an offered event. */
  enum Offer {
    /** The next one for the device: the caller queues it. */
    LIVE,
    /** Kept back until the slot is live again. */
    HELD,
    /** The device has it already (its sequence is at or below the position): dropped. */
    DUPLICATE,
    /** It skipped ahead of the position: kept back, and the caller must have the gap filled. */
    GAP,
    /** Too many kept back already: the session must be cut as a slow consumer. */
    FULL,
    /** The subscription ended: dropped. */
    CLOSED
  }

  /** What a {@link #release} left the slot in. */
  enum State {
    /** Events are kept back: membership not confirmed yet, or a gap is being filled. */
    HOLDING,
    LIVE,
    CLOSED
  }

  private State state = State.HOLDING;
  private boolean joined; // membership confirmed once: true from the first release on
  private long position;
  private List<OutboundEvent> held = new ArrayList<>();

  synchronized Offer offer(OutboundEvent event, int maxHeld) {
    switch (state) {
      case CLOSED:
        return Offer.CLOSED;
      case HOLDING:
        if (held.size() >= maxHeld) {
          return Offer.FULL;
        }
        held.add(event);
        return Offer.HELD;
      default:
        long sequence = event.sequence();
        if (sequence == 0) {
          return Offer.LIVE;
        }
        if (sequence <= position) {
          return Offer.DUPLICATE;
        }
        if (sequence == position + 1) {
          position = sequence;
          return Offer.LIVE;
        }
        state = State.HOLDING;
        held = new ArrayList<>();
        held.add(event);
        return Offer.GAP;
    }
  }

  /** Before the first release: the device already has the room's events up to {@code position}. */
  synchronized void startAt(long position) {
    this.position = position;
  }

  /** The sequence of the newest room event the device has from this room. */
  synchronized long position() {
    return position;
  }

  /**
   * The device now has every event up to {@code upTo} (from history, or because it starts there):
   * hands held events after it to {@code release} in sequence order, under the lock. Stops at the
   * first held event that skips ahead, keeping it and the rest: the slot stays {@link
   * State#HOLDING} and the caller fills the new gap. Otherwise the slot turns live.
   *
   * @return the state the slot is left in ({@link State#CLOSED} if it was closed meanwhile)
   */
  synchronized State release(long upTo, Consumer<OutboundEvent> release) {
    if (state == State.CLOSED) {
      return State.CLOSED;
    }
    joined = true;
    position = Math.max(position, upTo);
    for (int i = 0; i < held.size(); i++) {
      OutboundEvent event = held.get(i);
      long sequence = event.sequence();
      if (sequence > position + 1) {
        held = new ArrayList<>(held.subList(i, held.size()));
        return State.HOLDING;
      }
      if (sequence == 0 || sequence == position + 1) {
        position = Math.max(position, sequence);
        release.accept(event);
      }
    }
    held = null;
    state = State.LIVE;
    return State.LIVE;
  }

  /**
   * The first sequence held back after a gap, or 0 when nothing with a sequence is held: a fill
   * need not fetch beyond it.
   */
  synchronized long firstHeldSequence() {
    if (held != null) {
      for (OutboundEvent event : held) {
        if (event.sequence() != 0) {
          return event.sequence();
        }
      }
    }
    return 0;
  }

  /** Ends the subscription; returns the state it was in, {@link State#CLOSED} if it had ended already. */
  synchronized State close() {
    State was = state;
    state = State.CLOSED;
    held = null;
    return was;
  }

  synchronized boolean isClosed() {
    return state == State.CLOSED;
  }

  /** Whether the device is in the room: membership confirmed, subscription not ended (a gap may be filling). */
  synchronized boolean joined() {
    return joined && state != State.CLOSED;
  }
}
