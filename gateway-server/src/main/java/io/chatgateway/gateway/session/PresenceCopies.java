package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.PresenceEvent;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who on this gateway has already been given each recent presence change that was published to
 * several rooms, so that a change reaches each recipient once, not once per room they share with its
 * subject (30 shared rooms made one presence frame into 30 deliveries to each of the others).
 *
 * <p>A change is identified by {@link Change}: its publisher, subject, and last-seen time (unique per
 * profile and publisher, see {@link PresenceTracker}), plus status and text; every room's copy carries
 * the same. Copies arrive on the fan-out lanes of their rooms, concurrently and in any order, and
 * each lane asks {@link #firstTime} per recipient. Only changes whose envelope says they went to more
 * than one room are recorded, so single-room announcements (every subscribe) cost nothing here.
 *
 * <p>Bounded: at most {@link #MAX_CHANGES} changes and about {@link #MAX_RECIPIENTS} recorded
 * recipients; the oldest changes are forgotten first. A copy arriving after its change was forgotten
 * (a room lane lagging behind a flood of other changes) is delivered again: a duplicate at worst,
 * never a loss.
 *
 * <p>Thread-safe. The map, the eviction queue and the count are owned by this object; the recipient
 * set of each change is a concurrent set whose {@code add} decides who delivers.
 */
final class PresenceCopies {

  static final int MAX_CHANGES = 4_096;
  static final long MAX_RECIPIENTS = 200_000;

  /** One presence change, the same for every room's copy of it. */
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

  private final ConcurrentHashMap<Change, Set<Object>> recipients = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Change> oldestFirst = new ConcurrentLinkedQueue<>();
  private final AtomicLong recorded = new AtomicLong();

  /**
   * Whether {@code recipient} (a session: compared by identity) has not been given {@code change} yet;
   * records that it now has.
   */
  boolean firstTime(Change change, Object recipient) {
    Set<Object> given = recipients.get(change);
    if (given == null) {
      Set<Object> fresh = ConcurrentHashMap.newKeySet();
      given = recipients.putIfAbsent(change, fresh);
      if (given == null) {
        given = fresh;
        oldestFirst.add(change);
      }
    }
    if (!given.add(recipient)) {
      return false;
    }
    recorded.incrementAndGet();
    evictBeyondBounds();
    return true;
  }

  /** Changes remembered now (for tests). */
  int size() {
    return recipients.size();
  }

  private void evictBeyondBounds() {
    while (recorded.get() > MAX_RECIPIENTS || recipients.size() > MAX_CHANGES) {
      Change oldest = oldestFirst.poll();
      if (oldest == null) {
        return;
      }
      Set<Object> forgotten = recipients.remove(oldest);
      if (forgotten != null) {
        recorded.addAndGet(-forgotten.size());
      }
    }
  }
}
