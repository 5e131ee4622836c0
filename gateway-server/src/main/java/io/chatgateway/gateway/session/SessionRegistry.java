package io.chatgateway.gateway.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open sessions of this gateway (handshake done or not), and the per-device connection limit: when a profile and device
 * hold more than {@code maxPerDevice} sessions, the ones opened first are replaced, whatever order their handshakes
 * finish in (a device that gave up on a slow connection and opened a new one keeps the new one, even when the old
 * one's hello is answered last). Thread-safe.
 */
public final class SessionRegistry {

  private final ConcurrentHashMap<String, DeviceSession> sessions = new ConcurrentHashMap<>();
  // Per profile+device, oldest first; mutated inside compute for its key and under the deque's
  // monitor, which kick() also takes to copy it.
  private final ConcurrentHashMap<String, ArrayDeque<DeviceSession>> devices = new ConcurrentHashMap<>();
  private final int maxPerDevice;
  private final AtomicLong openOrder = new AtomicLong();

  public SessionRegistry(int maxPerDevice) {
    this.maxPerDevice = maxPerDevice;
  }

  /** The next session's place in the order of opening. */
  long nextOpenOrder() {
    return openOrder.incrementAndGet();
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
            insertByOpenOrder(open, session);
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

  /** Inserts {@code session} keeping {@code open} oldest-opened first (it is nearly always the newest: added last). */
  private static void insertByOpenOrder(ArrayDeque<DeviceSession> open, DeviceSession session) {
    List<DeviceSession> newer = new ArrayList<>();
    while (!open.isEmpty() && open.peekLast().openOrder() > session.openOrder()) {
      newer.add(0, open.pollLast());
    }
    open.addLast(session);
    open.addAll(newer);
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
