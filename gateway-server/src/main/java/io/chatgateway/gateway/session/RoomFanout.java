package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.SessionDirectory;
import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.UnsubscribeReason;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Which local sessions listen to which room, and delivery of the engine's envelopes to them.
 *
 * <p>{@link #accept} (the engine's sink) hands each envelope to its room's fan-out lane and returns.
 * On the lane, the envelope becomes one {@link OutboundEvent}, encoded once, which is offered to every
 * subscriber. Offering only enqueues (see {@link DeviceSession#deliver}), so a slow device costs the
 * lane nothing but a failed offer, and the lane never waits for I/O. The sessions' drains start at
 * the end of the lane's burst ({@link DrainBatch}).
 *
 * <p>Envelopes addressed to one profile's devices ({@code profile_id} set) go to {@link
 * ProfileSessions} instead, on the lane of the profile.
 *
 * <p>The subscriber arrays are copy-on-write: registration is rare, delivery is constant. The first
 * subscriber of a room tells the engine to start delivering that room here, and the last one to
 * leave tells it to stop.
 */
public final class RoomFanout implements Consumer<BusEnvelope>, AutoCloseable {

  private static final DeviceSession[] NONE = new DeviceSession[0];

  private final ConcurrentHashMap<String, DeviceSession[]> rooms = new ConcurrentHashMap<>();
  private final Engine engine;
  private final SessionDirectory directory;
  private final SessionMetrics metrics;
  private final ServerEvents events;
  private final RecentEvents recent;
  private final FanoutLanes lanes;
  private final PresenceCopies presenceCopies = new PresenceCopies();
  private final PresenceCoalescer coalescer; // null: presence goes out at once
  private final ProfileSessions profiles;
  private final LongSupplier ticker;

  public RoomFanout(Engine engine, SessionDirectory directory, SessionMetrics metrics, ServerEvents events, RecentEvents recent, int lanes) {
    this(engine, directory, metrics, events, recent, lanes, null, System::nanoTime);
  }

  /**
   * @param coalescer where presence changes wait for their recipients' window; null to deliver them
   *     at once
   * @param ticker monotonic nanoseconds, the coalescer's clock
   */
  RoomFanout(
      Engine engine, SessionDirectory directory, SessionMetrics metrics, ServerEvents events, RecentEvents recent, int lanes, PresenceCoalescer coalescer, LongSupplier ticker) {
    this.coalescer = coalescer;
    this.ticker = requireNonNull(ticker, "ticker");
    this.profiles = new ProfileSessions(engine, events);
    this.recent = requireNonNull(recent, "recent");
    this.engine = requireNonNull(engine, "engine");
    this.directory = requireNonNull(directory, "directory");
    this.metrics = requireNonNull(metrics, "metrics");
    this.events = requireNonNull(events, "events");
    this.lanes = new FanoutLanes(lanes, 64 * 1024);
  }

  /** Adds {@code session} to {@code roomId}'s subscribers; idempotent. */
  void register(String roomId, DeviceSession session) {
    rooms.compute(
        roomId,
        (room, current) -> {
          DeviceSession[] sessions = current == null ? NONE : current;
          if (CopyOnWriteArrays.indexOf(sessions, session) >= 0) {
            return sessions;
          }
          if (sessions.length == 0) {
            recent.track(room);
            engine.roomActive(room);
          }
          DeviceSession[] grown = CopyOnWriteArrays.plus(sessions, session);
          directory.roomSubscribers(room, grown.length);
          return grown;
        });
  }

  /** Removes {@code session} from {@code roomId}'s subscribers; idempotent. */
  void unregister(String roomId, DeviceSession session) {
    rooms.computeIfPresent(
        roomId,
        (room, sessions) -> {
          DeviceSession[] shrunk = CopyOnWriteArrays.minus(sessions, session);
          if (shrunk == sessions) {
            return sessions;
          }
          if (shrunk.length == 0) {
            engine.roomInactive(room);
            recent.forget(room);
            directory.roomSubscribers(room, 0);
            return null;
          }
          directory.roomSubscribers(room, shrunk.length);
          return shrunk;
        });
  }

  /** Number of rooms with at least one local subscriber. */
  public int activeRooms() {
    return rooms.size();
  }

  /** Local subscriber count of every room that has one (a snapshot). */
  public Map<String, Integer> subscriberCounts() {
    Map<String, Integer> counts = new HashMap<>();
    rooms.forEach((room, sessions) -> counts.put(room, sessions.length));
    return counts;
  }

  /** Number of local subscribers of {@code roomId}. */
  public int subscribers(String roomId) {
    DeviceSession[] sessions = rooms.get(roomId);
    return sessions == null ? 0 : sessions.length;
  }

  @Override
  public void accept(BusEnvelope envelope) {
    if (!envelope.getProfileId().isEmpty()) {
      // For one profile's devices: on the lane of the profile, so its changes stay in order.
      lanes.execute(envelope.getProfileId(), drains -> profiles.deliver(envelope));
      return;
    }
    lanes.execute(envelope.getRoomId(), drains -> fanOut(envelope, drains));
  }

  /** The sessions by profile, for envelopes addressed to a profile's devices. */
  ProfileSessions profiles() {
    return profiles;
  }

  private void fanOut(BusEnvelope envelope, DrainBatch drains) {
    String roomId = envelope.getRoomId();
    DeviceSession[] sessions = rooms.get(roomId);
    if (sessions == null) {
      return;
    }
    long start = System.nanoTime();
    deliver(envelope, roomId, sessions, drains);
    metrics.fannedOut(sessions.length, System.nanoTime() - start);
  }

  private void deliver(BusEnvelope envelope, String roomId, DeviceSession[] sessions, DrainBatch drains) {
    switch (envelope.getPayloadCase()) {
      case ROOM_EVENT -> {
        recent.add(envelope.getRoomEvent());
        deliverToAll(roomId, sessions, events.roomEvent(envelope.getRoomEvent()), drains);
      }
      case RECEIPT -> deliverToAll(roomId, sessions, events.builder("").setReceipt(envelope.getReceipt()).build(), drains);
      case READ_MARKER -> deliverToAll(roomId, sessions, events.builder("").setReadMarker(envelope.getReadMarker()).build(), drains);
      case PRESENCE -> {
        String subject = envelope.getPresence().getProfileId();
        OutboundEvent event = OutboundEvent.of(events.builder("").setPresence(envelope.getPresence()).build());
        // A change published to several rooms reaches each recipient once, whichever copy comes first.
        PresenceCopies.Change change = envelope.getPresenceRoomCount() > 1 ? PresenceCopies.Change.of(envelope) : null;
        PresenceCoalescer.Change held = coalescer == null ? null : PresenceCoalescer.Change.of(roomId, envelope.getPresence(), event);
        long now = held == null ? 0 : ticker.getAsLong();
        int delivered = 0;
        for (DeviceSession session : sessions) {
          if (!session.profileId().equals(subject) && (change == null || presenceCopies.firstTime(change, session))) {
            if (held != null) {
              coalescer.offer(session, held, now);
            } else {
              if (session.subscriptions().deliverMemberState(roomId, event, drains)) {
                delivered++;
              }
            }
          }
        }
        if (delivered > 0) {
          metrics.presenceDelivered(delivered); // coalesced ones are counted when they leave
        }
      }
      case TYPING -> {
        // Typing is for the others in the room, not for the typist's own devices.
        String typist = envelope.getTyping().getProfileId();
        OutboundEvent event = OutboundEvent.of(events.builder("").setTyping(envelope.getTyping()).build());
        for (DeviceSession session : sessions) {
          if (!session.profileId().equals(typist)) {
            session.subscriptions().deliverMemberState(roomId, event, drains);
          }
        }
      }
      case MEMBERSHIP_CHANGE -> {
        Set<String> removed = new HashSet<>(envelope.getMembershipChange().getRemovedProfileIdsList());
        for (DeviceSession session : sessions) {
          if (removed.contains(session.profileId())) {
            session.subscriptions().revoke(roomId, UnsubscribeReason.UNSUBSCRIBE_REASON_MEMBERSHIP_REVOKED);
          }
        }
      }
      case ROOM_DELETED -> {
        for (DeviceSession session : sessions) {
          session.subscriptions().revoke(roomId, UnsubscribeReason.UNSUBSCRIBE_REASON_ROOM_DELETED);
        }
      }
      default -> {}
    }
  }

  private static void deliverToAll(String roomId, DeviceSession[] sessions, ServerEvent event, DrainBatch drains) {
    OutboundEvent encoded = OutboundEvent.of(event);
    for (DeviceSession session : sessions) {
      session.subscriptions().deliver(roomId, encoded, drains);
    }
  }

  @Override
  public void close() {
    lanes.close();
  }
}
