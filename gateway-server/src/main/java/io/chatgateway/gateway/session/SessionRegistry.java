package io.chatgateway.gateway.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open sessions of this gateway (handshake done or not), and the per-device connection limit: when a profile and device
 * hold more than {@code maxPerDevice} sessions, the oldest ones are replaced. Thread-safe.
 */
public final class SessionRegistry {

  private final ConcurrentHashMap<String, DeviceSession> sessions = new ConcurrentHashMap<>();
  // Per profile+device, oldest first; mutated inside compute for its key and under the deque's
  // monitor, which kick() also takes to copy it.
  private final ConcurrentHashMap<String, ArrayDeque<DeviceSession>> devices = new ConcurrentHashMap<>();
  private final int maxPerDevice;

  public SessionRegistry(int maxPerDevice) {
    this.maxPerDevice = maxPerDevice;
  }

  /** Registers a new session, before its handshake, so the sweeper enforces its clocks from the start. */
  void opened(DeviceSession session) {
    sessions.put(session.id(), session);
  }

  /** The session finished its handshake: counts against its device's limit, replacing the oldest beyond it. */
  void identified(DeviceSession session) {
    List<DeviceSession> replaced = new ArrayList<>();
    devices.compute(
        deviceKey(session),
        (key, queue) -> {
          ArrayDeque<DeviceSession> open = queue == null ? new ArrayDeque<>(2) : queue;
          synchronized (open) {
            open.addLast(session);
            while (open.size() > maxPerDevice) {
              replaced.add(open.pollFirst());
            }
          }
          return open;
        });
    for (DeviceSession old : replaced) {
      old.replaced();
    }
  }

  /** Replaces every session of {@code profileId}/{@code deviceId} here: the device connected elsewhere. */
  public void kick(String profileId, String deviceId) {
    ArrayDeque<DeviceSession> open = devices.get(profileId + '\n' + deviceId);
    if (open == null) {
      return;
    }
    List<DeviceSession> snapshot;
    synchronized (open) {
      snapshot = List.copyOf(open);
    }
    snapshot.forEach(DeviceSession::replaced);
  }

  void closed(DeviceSession session) {
    sessions.remove(session.id(), session);
    devices.computeIfPresent(
        deviceKey(session),
        (key, open) -> {
          synchronized (open) {
            open.remove(session);
            return open.isEmpty() ? null : open;
          }
        });
  }

  /** Open sessions (a weakly consistent view). */
  /** The open session with this id, or null. */
  DeviceSession byId(String sessionId) {
    return sessions.get(sessionId);
  }

  public Collection<DeviceSession> all() {
    return sessions.values();
  }

  public int size() {
    return sessions.size();
  }

  /** Sessions of one profile's device share this key. */
  private static String deviceKey(DeviceSession session) {
    return session.profileId() + '\n' + session.deviceId();
  }
}
