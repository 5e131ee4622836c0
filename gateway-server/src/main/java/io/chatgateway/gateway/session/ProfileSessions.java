package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.BusEnvelope;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This gateway's sessions by profile, past their handshake, and delivery of the envelopes addressed
 * to a profile's devices ({@code BusEnvelope.profile_id}): membership changes (a following session
 * subscribes or leaves the room, another is told), the profile's own read markers (to sessions not
 * in the room, which would get them from the room), and notices. The first session of a profile has
 * the engine deliver the profile's envelopes here; the last one to go stops it.
 *
 * <p>Thread-safe: the map is owned by this object and changed only inside {@code compute} for its
 * key, whose arrays are copy-on-write (sessions come and go rarely, delivery reads them without
 * locks).
 */
final class ProfileSessions {

  private static final DeviceSession[] NONE = new DeviceSession[0];

  private final ConcurrentHashMap<String, DeviceSession[]> byProfile = new ConcurrentHashMap<>();
  private final Engine engine;
  private final ServerEvents events;

  ProfileSessions(Engine engine, ServerEvents events) {
    this.engine = requireNonNull(engine, "engine");
    this.events = requireNonNull(events, "events");
  }

  /** {@code session} finished its handshake; idempotent. */
  void add(DeviceSession session) {
    byProfile.compute(session.profileId(), (profile, current) -> {
      DeviceSession[] sessions = current == null ? NONE : current;
      if (CopyOnWriteArrays.indexOf(sessions, session) >= 0) {
        return sessions;
      }
      if (sessions.length == 0) {
        engine.profileActive(profile);
      }
      return CopyOnWriteArrays.plus(sessions, session);
    });
  }

  /** {@code session} ended; idempotent, and nothing for a session that never was added. */
  void remove(DeviceSession session) {
    byProfile.computeIfPresent(session.profileId(), (profile, sessions) -> {
      DeviceSession[] kept = CopyOnWriteArrays.minus(sessions, session);
      if (kept == sessions) {
        return sessions;
      }
      if (kept.length == 0) {
        engine.profileInactive(profile);
        return null;
      }
      return kept;
    });
  }

  /** Hands an envelope addressed to a profile's devices to each of its sessions here; any thread. */
  void deliver(BusEnvelope envelope) {
    DeviceSession[] sessions = byProfile.get(envelope.getProfileId());
    if (sessions == null) {
      return;
    }
    switch (envelope.getPayloadCase()) {
      case MEMBERSHIP_CHANGE -> {
        for (DeviceSession session : sessions) {
          session.membershipChanged(envelope.getMembershipChange());
        }
      }
      case READ_MARKER -> {
        OutboundEvent marker = OutboundEvent.of(events.builder("").setReadMarker(envelope.getReadMarker()).build());
        for (DeviceSession session : sessions) {
          // A session in the room has the marker from the room already.
          if (!session.subscriptions().listensTo(envelope.getRoomId())) {
            session.enqueue(marker);
          }
        }
      }
      case NOTICE -> {
        OutboundEvent notice = OutboundEvent.of(events.builder("").setNotice(envelope.getNotice()).build());
        for (DeviceSession session : sessions) {
          session.enqueue(notice);
        }
      }
      default -> {}
    }
  }

  /** Profiles with a session here (for tests). */
  int profiles() {
    return byProfile.size();
  }
}
