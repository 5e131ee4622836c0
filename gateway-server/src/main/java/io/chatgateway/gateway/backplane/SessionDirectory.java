package io.chatgateway.gateway.backplane;

import io.chatgateway.proto.v1.PresenceEvent;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What other gateways must know about this one's sessions: who is connected where (so a device
 * connecting elsewhere replaces its session here), which rooms are listened to, and whether a user
 * still has a device on another gateway (so presence turns offline only when none does).
 *
 * <p>Calls come from session executors and must not block; implementations do their I/O
 * asynchronously. {@link #LOCAL} is the single-instance directory: there is nobody to tell.
 */
public interface SessionDirectory {

  /** A session finished its handshake. */
  void sessionIdentified(SessionSnapshot session);

  /** A session's rooms changed (subscribed, unsubscribed, revoked). */
  void sessionChanged(SessionSnapshot session);

  /** A session that had finished its handshake ended. */
  void sessionClosed(SessionSnapshot session);

  /** The number of local subscribers of {@code roomId} changed to {@code count} (0: none left). */
  void roomSubscribers(String roomId, int count);

  /** Whether {@code profileId} has a live device on another gateway. */
  CompletionStage<Boolean> onlineElsewhere(String profileId);

  /**
   * {@code profileId} joined {@code roomId} on a live session of this gateway: the profile is listed
   * by {@link #presentIn} for the room whenever its presence is not OFFLINE, until it has no session
   * left anywhere.
   */
  default void joinedRoom(String profileId, String roomId) {}

  /** {@code presence} is the profile's new presence, as published to its rooms. */
  default void presenceChanged(PresenceEvent presence) {}

  /** What the directory knows of each of {@code profileIds}' presence, by profile id (absent: nothing). */
  default CompletionStage<Map<String, PresenceEvent>> presenceOf(Collection<String> profileIds) {
    return CompletableFuture.completedFuture(Map.of());
  }

  /**
   * The profiles present in {@code roomId} on any gateway (not OFFLINE), most recently joined first,
   * at most {@code limit}; one more than {@code limit} when there are more.
   */
  default CompletionStage<List<PresenceEvent>> presentIn(String roomId, int limit) {
    return CompletableFuture.completedFuture(List.of());
  }

  /**
   * Starts whatever the directory does on its own (a heartbeat that rewrites every entry). {@code
   * live} gives the sessions past their handshake; {@code stillLive} tells, by session id, whether
   * one still is; {@code roomSubscribers} gives each room's local subscriber count. Call once.
   */
  default void start(Supplier<Collection<SessionSnapshot>> live, Predicate<String> stillLive, Supplier<Map<String, Integer>> roomSubscribers) {}

  /** Removes this gateway's entries and stops; call once at shutdown. */
  default void close() {}

  /** One gateway, nothing shared: every call is a no-op and nobody is online elsewhere. */
  SessionDirectory LOCAL =
      new SessionDirectory() {
        @Override
        public void sessionIdentified(SessionSnapshot session) {}

        @Override
        public void sessionChanged(SessionSnapshot session) {}

        @Override
        public void sessionClosed(SessionSnapshot session) {}

        @Override
        public void roomSubscribers(String roomId, int count) {}

        @Override
        public CompletionStage<Boolean> onlineElsewhere(String profileId) {
          return CompletableFuture.completedFuture(false);
        }
      };
}
