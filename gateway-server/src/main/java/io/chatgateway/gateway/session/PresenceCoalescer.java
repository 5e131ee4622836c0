package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.PresenceEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence changes held back per recipient for {@code PRESENCE_COALESCE_MS}, then handed to the
 * recipient's session together, the newest per member only: a member who flaps is one delivery,
 * and a storm of members coming back is one write (one {@code EventBatch} for a device that takes
 * batches) per recipient per window, not one message per member. Without it, 10,000 devices
 * reconnecting into rooms of 1,000 members set off about ten million single presence messages.
 *
 * <p>A {@link Change} is made once per room fan-out and shared by every recipient of that room (the
 * event is encoded once); a recipient holds only references. A recipient holding {@link
 * #maxPerRecipient} changes is handed them at once, so what one recipient holds is bounded.
 *
 * <p>Threading: {@link #offer} runs on fan-out lanes (several at once for one recipient, one per
 * room), {@link #flushDue} on the coalescing timer; the map is owned by this object, each recipient's
 * {@code Pending} is guarded by its own monitor. Sessions receive their changes on their own executor
 * ({@link DeviceSession#presenceArrived}).
 */
final class PresenceCoalescer {

  /**
   * One presence change as one room's fan-out carries it.
   *
   * @param atMillis the change's last-seen time: strictly increasing per member and gateway, so of
   *     two changes of a member the later one is the newer
   */
  record Change(String roomId, String profileId, long atMillis, OutboundEvent event) {

    static Change of(String roomId, PresenceEvent presence, OutboundEvent event) {
      long at = presence.getLastSeenTime().getSeconds() * 1_000 + presence.getLastSeenTime().getNanos() / 1_000_000;
      return new Change(roomId, presence.getProfileId(), at, event);
    }
  }

  private static final class Pending {
    final long sinceNanos;
    Change[] changes = new Change[4];
    int size;
    boolean taken; // handed over: a late offer must start a new Pending

    Pending(long sinceNanos) {
      this.sinceNanos = sinceNanos;
    }
  }

  private final ConcurrentHashMap<DeviceSession, Pending> pending = new ConcurrentHashMap<>();
  private final long windowNanos;
  private final int maxPerRecipient;

  /**
   * @param windowNanos how long the first change of a recipient waits for others
   * @param maxPerRecipient changes one recipient may hold before they are handed over early
   */
  PresenceCoalescer(long windowNanos, int maxPerRecipient) {
    if (windowNanos <= 0 || maxPerRecipient < 1) {
      throw new IllegalArgumentException("window " + windowNanos + " ns, at most " + maxPerRecipient + " per recipient");
    }
    this.windowNanos = windowNanos;
    this.maxPerRecipient = maxPerRecipient;
  }

  /** Holds {@code change} for {@code recipient}; any thread. */
  void offer(DeviceSession recipient, Change change, long nowNanos) {
    while (true) {
      Pending held = pending.computeIfAbsent(recipient, r -> new Pending(nowNanos));
      Change[] full = null;
      synchronized (held) {
        if (held.taken) {
          continue; // handed over meanwhile; start a new one
        }
        if (held.size == held.changes.length) {
          held.changes = Arrays.copyOf(held.changes, held.size * 2);
        }
        held.changes[held.size++] = change;
        if (held.size >= maxPerRecipient) {
          full = take(held);
          pending.remove(recipient, held);
        }
      }
      if (full != null) {
        recipient.presenceArrived(newestPerMember(full));
      }
      return;
    }
  }

  /** Hands every recipient the changes it has held for a window or longer; the timer calls it. */
  void flushDue(long nowNanos) {
    for (Map.Entry<DeviceSession, Pending> entry : pending.entrySet()) {
      Pending held = entry.getValue();
      if (nowNanos - held.sinceNanos < windowNanos || !pending.remove(entry.getKey(), held)) {
        continue;
      }
      Change[] changes;
      synchronized (held) {
        if (held.taken) {
          continue; // handed over early by an offer that filled it: not twice
        }
        changes = take(held);
      }
      entry.getKey().presenceArrived(newestPerMember(changes));
    }
  }

  /** Recipients holding changes now (for tests). */
  int recipients() {
    return pending.size();
  }

  private static Change[] take(Pending held) {
    held.taken = true;
    return Arrays.copyOf(held.changes, held.size);
  }

  /**
   * The newest change of each member, in the order they arrived; of equally new ones (one change's
   * copies through several rooms) the first.
   */
  static List<Change> newestPerMember(Change[] changes) {
    if (changes.length == 1) {
      return List.of(changes[0]);
    }
    Map<String, Change> newest = new HashMap<>();
    for (Change change : changes) {
      newest.merge(change.profileId(), change, (kept, later) -> later.atMillis() > kept.atMillis() ? later : kept);
    }
    List<Change> kept = new ArrayList<>(newest.size());
    for (Change change : changes) {
      if (newest.get(change.profileId()) == change) {
        newest.remove(change.profileId());
        kept.add(change);
      }
    }
    return kept;
  }
}
