package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.BusEnvelope;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions here that follow their profile's rooms ({@code follow_rooms}), by profile, and
 * delivery of the envelopes addressed to a profile's devices (membership changes) to them. The first
 * following session of a profile has the engine deliver the profile's envelopes here; the last one
 * to go stops it.
 *
 * <p>Thread-safe: the map is owned by this object and changed only inside {@code compute} for its
 * key, whose arrays are copy-on-write (following is rare, delivery reads them without locks).
 */
final class Followers {

  private static final DeviceSession[] NONE = new DeviceSession[0];

  private final ConcurrentHashMap<String, DeviceSession[]> byProfile = new ConcurrentHashMap<>();
  private final Engine engine;

  Followers(Engine engine) {
    this.engine = requireNonNull(engine, "engine");
  }

  /** {@code session} follows its profile's rooms from now on; idempotent. */
  void follow(DeviceSession session) {
    byProfile.compute(session.profileId(), (profile, current) -> {
      DeviceSession[] sessions = current == null ? NONE : current;
      for (DeviceSession existing : sessions) {
        if (existing == session) {
          return sessions;
        }
      }
      if (sessions.length == 0) {
        engine.profileActive(profile);
      }
      DeviceSession[] grown = Arrays.copyOf(sessions, sessions.length + 1);
      grown[sessions.length] = session;
      return grown;
    });
  }

  /** {@code session} ended; idempotent, and nothing for a session that never followed. */
  void unfollow(DeviceSession session) {
    byProfile.computeIfPresent(session.profileId(), (profile, sessions) -> {
      DeviceSession[] kept = Arrays.stream(sessions).filter(s -> s != session).toArray(DeviceSession[]::new);
      if (kept.length == sessions.length) {
        return sessions;
      }
      if (kept.length == 0) {
        engine.profileInactive(profile);
        return null;
      }
      return kept;
    });
  }

  /** Hands an envelope addressed to a profile's devices to each following session of that profile. */
  void deliver(BusEnvelope envelope) {
    DeviceSession[] sessions = byProfile.get(envelope.getProfileId());
    if (sessions == null || !envelope.hasMembershipChange()) {
      return;
    }
    for (DeviceSession session : sessions) {
      session.membershipChanged(envelope.getMembershipChange());
    }
  }

  /** Profiles with a following session here (for tests). */
  int profiles() {
    return byProfile.size();
  }
}
