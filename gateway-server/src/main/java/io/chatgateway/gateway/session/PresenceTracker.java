package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.SessionDirectory;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.bus.BusEnvelopes;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceStatus;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Presence of the profiles with sessions on this gateway, announced to the rooms they are in.
 *
 * <p>A profile is online while it has a session, and it turns offline when its last session ends or
 * when none of its sessions has sent anything for the presence TTL. Any frame brings it back. Each
 * change is published to every room the profile was ever announced in on this gateway, so a room
 * that saw someone come online also sees them leave.
 *
 * <p>A status repeated unchanged is not published again. Each change carries a per-profile strictly
 * increasing time and the number of rooms it went to, which gateways use to deliver a change once per
 * recipient however many rooms it reaches them through ({@link PresenceCopies}).
 *
 * <p>Thread-safe. Each profile's state is guarded by its own monitor, which is held while publishing
 * so that a profile's changes reach the bus in the order they happened.
 */
public final class PresenceTracker {

  private final ConcurrentHashMap<String, Profile> profiles = new ConcurrentHashMap<>();
  // room -> profiles announced in it, for the snapshot a newly joined session gets.
  private final ConcurrentHashMap<String, Set<Profile>> byRoom = new ConcurrentHashMap<>();
  private final Engine engine;
  private final SessionDirectory directory;
  private final Clock clock;
  private final String originId;
  private final long ttlNanos;

  public PresenceTracker(Engine engine, SessionDirectory directory, Clock clock, String originId, java.time.Duration ttl) {
    this.engine = requireNonNull(engine, "engine");
    this.directory = requireNonNull(directory, "directory");
    this.clock = requireNonNull(clock, "clock");
    this.originId = requireNonNull(originId, "originId");
    this.ttlNanos = ttl.toNanos();
  }

  private static final class Profile {
    final String id;
    // Immutable lists, replaced on change under the profile's monitor (so they can be handed out
    // as they are): most profiles have one device and a few rooms, every idle connection pays for
    // these, and an immutable list of one or two costs half an ArrayList of one.
    List<DeviceSession> sessions = List.of();
    List<String> announcedRooms = List.of();
    // Rooms joined whose presence is on request (too many members): present there, never announced.
    List<String> quietRooms = List.of();
    PresenceStatus status = PresenceStatus.PRESENCE_STATUS_ONLINE;
    String statusText = "";
    // Time of the last change published, kept strictly increasing: it identifies a change in every
    // room's copy of it, so recipients sharing several rooms with this profile get it once.
    long lastChangeMillis;
    volatile boolean expired;
    boolean gone;

    Profile(String id) {
      this.id = id;
    }
  }

  void sessionOpened(DeviceSession session) {
    while (true) {
      Profile profile = profiles.computeIfAbsent(session.profileId(), Profile::new);
      synchronized (profile) {
        if (profile.gone) {
          continue; // removed concurrently by the last session's close; take the fresh one
        }
        profile.sessions = plus(profile.sessions, session);
        if (profile.expired) {
          profile.expired = false;
          announce(profile, profile.announcedRooms);
        }
        return;
      }
    }
  }

  /**
   * The profile's session joined a room: it is present there from now on, and, unless the room's
   * presence is on request ({@code announce} false), its presence is announced to the room.
   */
  void roomJoined(DeviceSession session, String roomId, boolean announce) {
    Profile profile = profiles.get(session.profileId());
    if (profile == null) {
      return;
    }
    synchronized (profile) {
      if (profile.gone || profile.announcedRooms.contains(roomId) || profile.quietRooms.contains(roomId)) {
        return;
      }
      byRoom.computeIfAbsent(roomId, r -> ConcurrentHashMap.newKeySet()).add(profile);
      directory.joinedRoom(profile.id, roomId);
      if (announce) {
        profile.announcedRooms = plus(profile.announcedRooms, roomId);
        announce(profile, List.of(roomId));
      } else {
        profile.quietRooms = plus(profile.quietRooms, roomId);
      }
    }
  }

  /**
   * The presence of each of {@code profileIds} with a session here, by profile id (an expired one
   * OFFLINE); the others are absent.
   */
  public Map<String, PresenceEvent> current(Collection<String> profileIds) {
    Map<String, PresenceEvent> current = new HashMap<>();
    for (String profileId : profileIds) {
      Profile profile = profiles.get(profileId);
      if (profile != null) {
        synchronized (profile) {
          if (!profile.gone) {
            current.put(profileId, now(profile));
          }
        }
      }
    }
    return current;
  }

  /**
   * The profiles with a session here that joined {@code roomId} and are not OFFLINE, at most {@code
   * limit}; one more than {@code limit} when there are more.
   */
  public List<PresenceEvent> presentIn(String roomId, int limit) {
    Set<Profile> present = byRoom.get(roomId);
    List<PresenceEvent> found = new ArrayList<>();
    if (present == null) {
      return found;
    }
    for (Profile profile : present) {
      if (found.size() > limit) {
        break;
      }
      synchronized (profile) {
        if (!profile.gone && !profile.expired) {
          found.add(now(profile));
        }
      }
    }
    return found;
  }

  /** The profile's presence now, seen last at its sessions' latest activity. Holds its monitor. */
  private PresenceEvent now(Profile profile) {
    long lastActivity = 0;
    for (DeviceSession session : profile.sessions) {
      lastActivity = Math.max(lastActivity, session.lastActivityMillis());
    }
    return PresenceEvent.newBuilder()
        .setProfileId(profile.id)
        .setStatus(profile.expired ? PresenceStatus.PRESENCE_STATUS_OFFLINE : profile.status)
        .setStatusText(profile.expired ? "" : profile.statusText)
        .setLastSeenTime(Timestamps.fromMillis(lastActivity == 0 ? clock.millis() : lastActivity))
        .build();
  }

  /** At most this many entries in a snapshot. */
  static final int MAX_SNAPSHOT = 1_000;

  /**
   * Current presence of up to {@link #MAX_SNAPSHOT} of the profiles announced in {@code roomId} on this
   * gateway, except {@code exceptProfileId}.
   */
  List<PresenceEvent> snapshot(String roomId, String exceptProfileId) {
    Set<Profile> present = byRoom.get(roomId);
    if (present == null) {
      return List.of();
    }
    List<PresenceEvent> snapshot = new ArrayList<>();
    for (Profile profile : present) {
      if (snapshot.size() >= MAX_SNAPSHOT) {
        break;
      }
      if (profile.id.equals(exceptProfileId)) {
        continue;
      }
      synchronized (profile) {
        if (!profile.gone) {
          snapshot.add(now(profile));
        }
      }
    }
    return snapshot;
  }

  /** Called on inbound activity; brings back a profile whose presence expired. Cheap when nothing changes. */
  void touched(DeviceSession session) {
    Profile profile = profiles.get(session.profileId());
    if (profile == null || !profile.expired) {
      return;
    }
    synchronized (profile) {
      if (profile.expired && !profile.gone) {
        profile.expired = false;
        announce(profile, profile.announcedRooms);
      }
    }
  }

  void statusChanged(DeviceSession session, PresenceStatus status, String statusText) {
    Profile profile = profiles.get(session.profileId());
    if (profile == null) {
      return;
    }
    synchronized (profile) {
      if (profile.gone) {
        return;
      }
      if (!profile.expired && profile.status == status && profile.statusText.equals(statusText)) {
        return; // nothing changed: repeating a status is not news for every member of every room
      }
      profile.status = status;
      profile.statusText = statusText;
      profile.expired = false;
      announce(profile, profile.announcedRooms);
    }
  }

  void sessionClosed(DeviceSession session) {
    Profile profile = profiles.get(session.profileId());
    if (profile == null) {
      return;
    }
    synchronized (profile) {
      profile.sessions = minus(profile.sessions, session);
      if (!profile.sessions.isEmpty() || profile.gone) {
        return;
      }
      profile.gone = true;
      profiles.remove(profile.id, profile);
      for (String roomId : joinedRooms(profile)) {
        byRoom.computeIfPresent(roomId, (r, set) -> {
          set.remove(profile);
          return set.isEmpty() ? null : set;
        });
      }
      if (!profile.expired) {
        offlineUnlessElsewhere(profile);
      }
    }
  }

  /**
   * Publishes OFFLINE for {@code profile} unless a device of it is live on another gateway, or it came
   * back here while the directory was asked.
   */
  private void offlineUnlessElsewhere(Profile profile) {
    directory
        .onlineElsewhere(profile.id)
        .whenComplete(
            (elsewhere, error) -> {
              Profile current = profiles.get(profile.id);
              boolean backHere = current != null && current != profile && !current.expired;
              if (!Boolean.TRUE.equals(elsewhere) && !backHere) {
                synchronized (profile) {
                  publish(profile, PresenceStatus.PRESENCE_STATUS_OFFLINE, "", profile.announcedRooms);
                }
              }
            });
  }

  /** Turns offline every profile whose sessions have all been silent for the TTL. */
  void sweep(long nowNanos) {
    for (Profile profile : profiles.values()) {
      if (profile.expired) {
        continue;
      }
      synchronized (profile) {
        if (profile.expired || profile.gone) {
          continue;
        }
        long lastActivity = Long.MIN_VALUE;
        for (DeviceSession session : profile.sessions) {
          lastActivity = Math.max(lastActivity, session.lastActivityNanos());
        }
        if (nowNanos - lastActivity >= ttlNanos) {
          profile.expired = true;
          offlineUnlessElsewhere(profile);
        }
      }
    }
  }

  /** Whether the profile is currently shown online (for tests and metrics). */
  public boolean isOnline(String profileId) {
    Profile profile = profiles.get(profileId);
    return profile != null && !profile.expired;
  }

  private void announce(Profile profile, Collection<String> rooms) {
    publish(profile, profile.status, profile.statusText, rooms);
  }

  /** Every room the profile joined here, announced or not. Holds its monitor. */
  private static List<String> joinedRooms(Profile profile) {
    if (profile.quietRooms.isEmpty()) {
      return profile.announcedRooms;
    }
    List<String> all = new ArrayList<>(profile.announcedRooms);
    all.addAll(profile.quietRooms);
    return all;
  }

  private void publish(Profile profile, PresenceStatus status, String text, Collection<String> rooms) {
    long at = Math.max(clock.millis(), profile.lastChangeMillis + 1);
    profile.lastChangeMillis = at;
    PresenceEvent presence =
        PresenceEvent.newBuilder()
            .setProfileId(profile.id)
            .setStatus(status)
            .setStatusText(text)
            .setLastSeenTime(Timestamps.fromMillis(at))
            .build();
    BusEnvelopes.presence(originId, presence, rooms).forEach(engine::publish);
    directory.presenceChanged(presence);
  }

  /** {@code list} and {@code item}, immutable. */
  private static <T> List<T> plus(List<T> list, T item) {
    List<T> more = new ArrayList<>(list.size() + 1);
    more.addAll(list);
    more.add(item);
    return List.copyOf(more);
  }

  /** {@code list} without {@code item}, immutable. */
  private static <T> List<T> minus(List<T> list, T item) {
    List<T> fewer = new ArrayList<>(list);
    fewer.remove(item);
    return List.copyOf(fewer);
  }
}
