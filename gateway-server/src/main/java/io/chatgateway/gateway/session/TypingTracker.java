package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The rooms one session's device is typing in. A STARTED is relayed when typing starts and, while it
 * goes on, at most every half TTL; typing that is not refreshed for a whole TTL expires (the session
 * then relays STOPPED, as receivers would time it out themselves).
 *
 * <p>Threading: owned by its session's executor. The session publishes {@link #deadline} in a
 * volatile field for the sweeper.
 */
final class TypingTracker {

  /** One room's typing: when STARTED last arrived, and when it was last relayed. */
  private record Typing(long lastStartedNanos, long lastRelayedNanos) {}

  private final long ttlNanos;
  // Most devices type in one room at a time.
  private final Map<String, Typing> rooms = new HashMap<>(2);

  TypingTracker(long ttlNanos) {
    this.ttlNanos = ttlNanos;
  }

  /** STARTED arrived at {@code now}; returns whether to relay it (new, or half a TTL since the last relay). */
  boolean started(String roomId, long now) {
    Typing typing = rooms.get(roomId);
    boolean relay = typing == null || now - typing.lastRelayedNanos() >= ttlNanos / 2;
    rooms.put(roomId, new Typing(now, relay ? now : typing.lastRelayedNanos()));
    return relay;
  }

  /** Typing in {@code roomId} ended (STOPPED, unsubscribed, closed); returns whether it was going on. */
  boolean stopped(String roomId) {
    return rooms.remove(roomId) != null;
  }

  /** Removes and returns the rooms whose typing was not refreshed for a TTL before {@code now}. */
  List<String> expire(long now) {
    List<String> expired = new ArrayList<>();
    for (Iterator<Map.Entry<String, Typing>> it = rooms.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Typing> entry = it.next();
      if (now - entry.getValue().lastStartedNanos() >= ttlNanos) {
        expired.add(entry.getKey());
        it.remove();
      }
    }
    return expired;
  }

  /** The rooms being typed in. */
  List<String> rooms() {
    return List.copyOf(rooms.keySet());
  }

  /** When the earliest typing state expires; {@link Long#MAX_VALUE} when there is none. */
  long deadline() {
    long earliest = Long.MAX_VALUE;
    for (Typing typing : rooms.values()) {
      earliest = Math.min(earliest, typing.lastStartedNanos() + ttlNanos);
    }
    return earliest;
  }
}
