package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One room one session listens to. Fan-out delivers into it from the room's lane; until the core
 * confirms membership it holds events back, then releases them in order and lets later ones through.
 *
 * <p>Threading: fan-out lanes ({@link #offer}) and the session's executor (everything else) both use
 * it; all state is guarded by this object's monitor, which {@link #activate} holds while it releases
 * the held events, so no live event overtakes them.
 */
final class RoomSlot {

  /** What became of an offered event. */
  enum Offer {
    /** The slot is live: the caller queues the event for the device. */
    LIVE,
    /** Held until membership is confirmed. */
    HELD,
    /** Too many held already: the session must be cut as a slow consumer. */
    FULL,
    /** The subscription ended: dropped. */
    CLOSED
  }

  private boolean active;
  private boolean closed;
  private List<OutboundEvent> pending = new ArrayList<>();

  synchronized Offer offer(OutboundEvent event, int maxHeld) {
    if (closed) {
      return Offer.CLOSED;
    }
    if (active) {
      return Offer.LIVE;
    }
    if (pending.size() >= maxHeld) {
      return Offer.FULL;
    }
    pending.add(event);
    return Offer.HELD;
  }

  /**
   * Membership is confirmed: hands every held event to {@code release}, in order, under the lock,
   * then lets events through. Returns false, releasing nothing, if the slot was closed meanwhile.
   */
  synchronized boolean activate(Consumer<OutboundEvent> release) {
    if (closed) {
      return false;
    }
    pending.forEach(release);
    pending = null;
    active = true;
    return true;
  }

  /** The states a slot goes through: holding, then live, then closed (from either). */
  enum State {
    HOLDING,
    LIVE,
    CLOSED
  }

  /** Ends the subscription; returns the state it was in, {@link State#CLOSED} if it had ended already. */
  synchronized State close() {
    State was = closed ? State.CLOSED : active ? State.LIVE : State.HOLDING;
    closed = true;
    pending = null;
    return was;
  }

  /** Whether events of the room reach the device now. */
  synchronized boolean live() {
    return active && !closed;
  }
}
