package io.chatgateway.gateway.session;

import java.util.ArrayList;
import java.util.Arrays;
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

  /** A profile's device; its sessions are counted together. */
  private record DeviceKey(String profileId, String deviceId) {}

  private final ConcurrentHashMap<String, DeviceSession> sessions = new ConcurrentHashMap<>();
  // Per profile and device, oldest opened first: arrays, never changed once published, replaced
  // inside compute for their key (nearly every device has one session: an array of one is the
  // cheapest holder, and kick reads it without a lock).
  private final ConcurrentHashMap<DeviceKey, DeviceSession[]> devices = new ConcurrentHashMap<>();
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
        (key, open) -> {
          DeviceSession[] now = withByOpenOrder(open == null ? new DeviceSession[0] : open, session);
          int over = now.length - maxPerDevice;
          if (over <= 0) {
            return now;
          }
          replaced.addAll(Arrays.asList(now).subList(0, over));
          return Arrays.copyOfRange(now, over, now.length);
        });
    for (DeviceSession old : replaced) {
      old.replaced();
    }
  }

  /** {@code open} with {@code session} in its place, oldest opened first (it is nearly always the newest: last). */
  private static DeviceSession[] withByOpenOrder(DeviceSession[] open, DeviceSession session) {
    int at = open.length;
    while (at > 0 && open[at - 1].openOrder() > session.openOrder()) {
      at--;
    }
    DeviceSession[] now = new DeviceSession[open.length + 1];
    System.arraycopy(open, 0, now, 0, at);
    now[at] = session;
    System.arraycopy(open, at, now, at + 1, open.length - at);
    return now;
  }

  /** Replaces every session of {@code profileId}/{@code deviceId} here: the device connected elsewhere. */
  public void kick(String profileId, String deviceId) {
    DeviceSession[] open = devices.get(new DeviceKey(profileId, deviceId));
    if (open != null) {
      for (DeviceSession session : open) {
        session.replaced();
      }
    }
  }

  void closed(DeviceSession session) {
    sessions.remove(session.id(), session);
    devices.computeIfPresent(
        deviceKey(session),
        (key, open) -> {
          DeviceSession[] rest = CopyOnWriteArrays.minus(open, session);
          return rest.length == 0 ? null : rest;
        });
  }

  /** The open session with this id, or null. */
  DeviceSession byId(String sessionId) {
    return sessions.get(sessionId);
  }

  /** Open sessions (a weakly consistent view). */
  public Collection<DeviceSession> all() {
    return sessions.values();
  }

  public int size() {
    return sessions.size();
  }

  private static DeviceKey deviceKey(DeviceSession session) {
    return new DeviceKey(session.profileId(), session.deviceId());
  }
}
