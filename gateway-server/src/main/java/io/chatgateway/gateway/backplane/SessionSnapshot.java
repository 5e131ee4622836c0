package io.chatgateway.gateway.backplane;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * What the directory may know of one local session, as a value: taken by the session when it tells
 * the directory something, and by the heartbeat for its periodic rewrite. The directory never sees
 * the session itself.
 *
 * @param sessionId the session's id, unique on this gateway
 * @param transport {@code grpc} or {@code websocket}
 * @param lastActivityMillis when the device last sent a frame, epoch milliseconds
 * @param rooms rooms the session listens to or is joining, sorted
 */
public record SessionSnapshot(
    String sessionId,
    String profileId,
    String deviceId,
    String transport,
    String remoteAddress,
    Instant connectedAt,
    long lastActivityMillis,
    List<String> rooms) {

  public SessionSnapshot {
    requireNonNull(sessionId, "sessionId");
    requireNonNull(profileId, "profileId");
    requireNonNull(deviceId, "deviceId");
    requireNonNull(transport, "transport");
    requireNonNull(remoteAddress, "remoteAddress");
    requireNonNull(connectedAt, "connectedAt");
    rooms = List.copyOf(rooms);
  }
}
