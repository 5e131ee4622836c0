package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.PresenceEvent;

/**
 * The presence changes one session was given most recently, so that a change published to every
 * room its subject shares with the recipient reaches that recipient once, not once per shared room
 * (30 shared rooms made one presence frame into 30 deliveries to each of the others).
 *
 * <p>A change is identified by {@link Change}: the gateway that published it, its subject, and the
 * subject's change time, which {@link PresenceTracker} keeps strictly increasing per profile, plus
 * status and text. The same change carries the same identity in every room's envelope. The last
 * {@link #CAPACITY} identities are kept; a copy arriving after that many other changes is delivered
 * again (a duplicate, never a loss).
 *
 * <p>Thread-safe: fan-out lanes of different rooms call {@link #firstTime} concurrently for one
 * session; the ring is guarded by this object's monitor. Created on a session's first presence
 * delivery, so sessions that never get presence pay nothing.
 */
final class RecentPresence {

  static final int CAPACITY = 16;

  /** One presence change, the same object for every recipient of one envelope. */
  record Change(String originId, String profileId, long seconds, int nanos, int status, String text) {
    static Change of(BusEnvelope envelope) {
      PresenceEvent presence = envelope.getPresence();
      return new Change(
          envelope.getOriginId(),
          presence.getProfileId(),
          presence.getLastSeenTime().getSeconds(),
          presence.getLastSeenTime().getNanos(),
          presence.getStatusValue(),
          presence.getStatusText());
    }
  }

  private final Change[] ring = new Change[CAPACITY];
  private int next;

  /** True the first time {@code change} is offered (within the last {@link #CAPACITY} changes). */
  synchronized boolean firstTime(Change change) {
    for (Change seen : ring) {
      if (seen != null && (seen == change || seen.equals(change))) {
        return false;
      }
    }
    ring[next] = change;
    next = (next + 1) % CAPACITY;
    return true;
  }
}
