package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.ServerEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>What a holding slot keeps is bounded: at most {@code maxHeld} room events, and of the events
 * without a sequence only the newest state of each member (a presence, typing, receipt or read
 * marker event replaces the held one of the same member and kind, in its place), at most {@link
 * OutboundQueue#OVERDRAFT} times {@code maxHeld} events in all. Without that, a device joining a
 * large room while its members reconnect (each announcing its presence to the room) was cut for
 * the presence events held during its join.
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

  private final String roomId;
  // Set once membership is confirmed, read by fan-out lanes: the room is too large for pushed presence.
  private volatile boolean presenceOnRequest;
  private State state = State.HOLDING;
  private boolean joined; // membership confirmed once: true from the first release on
  private long position;
  private List<OutboundEvent> held = new ArrayList<>();
  private int heldRoomEvents; // of held, those with a sequence
  private Map<String, Integer> heldStates; // member state key -> its index in held; made on first use

  RoomSlot(String roomId) {
    this.roomId = roomId;
  }

  String roomId() {
    return roomId;
  }

  /** Whether presence and typing of this room are not pushed to the session; any thread. */
  boolean presenceOnRequest() {
    return presenceOnRequest;
  }

  /** The room has more members than presence is pushed for (PRESENCE_PUSH_MAX_MEMBERS). */
  void presenceOnRequest(boolean onRequest) {
    presenceOnRequest = onRequest;
  }

  synchronized Offer offer(OutboundEvent event, int maxHeld) {
    switch (state) {
      case CLOSED:
        return Offer.CLOSED;
      case HOLDING:
        return hold(event, maxHeld);
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
        heldStates = null;
        held.add(event);
        heldRoomEvents = 1;
        return Offer.GAP;
    }
  }

  /** Keeps {@code event} back while holding, replacing the held state it supersedes; FULL beyond the bounds. */
  private Offer hold(OutboundEvent event, int maxHeld) {
    if (event.sequence() != 0) {
      if (heldRoomEvents >= maxHeld) {
        return Offer.FULL;
      }
      heldRoomEvents++;
      held.add(event);
      return Offer.HELD;
    }
    String key = stateKey(event.event());
    if (key != null && heldStates != null) {
      Integer index = heldStates.get(key);
      if (index != null) {
        held.set(index, event);
        return Offer.HELD;
      }
    }
    if (held.size() >= (long) maxHeld * OutboundQueue.OVERDRAFT) {
      return Offer.FULL;
    }
    remember(key, held.size());
    held.add(event);
    return Offer.HELD;
  }

  /** Notes that the held event at {@code index} is the newest of state {@code key} (none: null). */
  private void remember(String key, int index) {
    if (key != null) {
      if (heldStates == null) {
        heldStates = new HashMap<>();
      }
      heldStates.put(key, index);
    }
  }

  /**
   * What a newer event of the same key makes obsolete: a member's presence, a device's typing or
   * receipt, a member's read marker. Null for events that each count (errors, acks and the like).
   */
  static String stateKey(ServerEvent event) {
    return switch (event.getEventCase()) {
      case PRESENCE -> "presence\n" + event.getPresence().getProfileId();
      case TYPING -> "typing\n" + event.getTyping().getProfileId() + "\n" + event.getTyping().getDeviceId();
      case RECEIPT -> "receipt\n" + event.getReceipt().getProfileId() + "\n" + event.getReceipt().getDeviceId();
      case READ_MARKER -> "read\n" + event.getReadMarker().getProfileId();
      default -> null;
    };
  }

  /** Makes {@code events} the held ones, recounting what the bounds count. */
  private void holdOnly(List<OutboundEvent> events) {
    held = new ArrayList<>(events);
    heldStates = null;
    heldRoomEvents = 0;
    for (int i = 0; i < held.size(); i++) {
      OutboundEvent event = held.get(i);
      if (event.sequence() != 0) {
        heldRoomEvents++;
      } else {
        remember(stateKey(event.event()), i);
      }
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
        holdOnly(held.subList(i, held.size()));
        return State.HOLDING;
      }
      if (sequence == 0 || sequence == position + 1) {
        position = Math.max(position, sequence);
        release.accept(event);
      }
    }
    held = null;
    heldStates = null;
    heldRoomEvents = 0;
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
    heldStates = null;
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
