package io.chatgateway.gateway.session;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.time.Duration;

/**
 * Limits and clocks of device sessions, shared by every transport.
 *
 * @param maxRoomsPerSession {@code MAX_CHANNELS_PER_SOCKET}: rooms one session may subscribe to
 * @param maxConnectionsPerDevice {@code MAX_CONNECTIONS_PER_DEVICE}: open sessions per profile and
 *     device; a newer one replaces the oldest
 * @param maxEventsPerSecond {@code MAX_EVENTS_PER_SECOND}: sustained inbound frames per session; the
 *     bucket holds twice as many for bursts
 * @param maxFrameBytes {@code MAX_FRAME_BYTES}: largest inbound frame accepted
 * @param maxQueuedMessages {@code OUTBOUND_QUEUE_MAX_MESSAGES}: outbound events waiting for a slow
 *     device before its session is cut
 * @param maxQueuedBytes {@code OUTBOUND_QUEUE_MAX_BYTES}: the same bound in encoded bytes
 * @param heartbeatInterval {@code HEARTBEAT_INTERVAL_SEC}: advertised to devices in {@code ready}
 * @param connectionTimeout {@code CONNECTION_TIMEOUT_SEC}: a session with no inbound frame for this
 *     long is closed
 * @param presenceTtl {@code PRESENCE_TTL_SECONDS}: presence without a heartbeat turns offline after this
 * @param typingTtl {@code TYPING_TTL_SEC}: a typing state without refresh ends after this
 * @param resumeTtl {@code RESUME_TTL_SEC}: how long a closed session's subscriptions can be resumed
 * @param helloTimeout {@code HELLO_TIMEOUT_SEC}: how long a new connection has to authenticate and
 *     say {@code hello}; on the WebSocket this includes a connection that upgraded without a token
 * @param resumeMaxEvents {@code RESUME_MAX_EVENTS}: events per room a resume, a subscribe from a
 *     position or a live gap repair sends from history at most; beyond it the room is reported not
 *     recovered and the device reads the gap itself
 * @param recentEventsPerRoom {@code RECENT_EVENTS_PER_ROOM}: newest events kept per room for
 *     resumes (0: none)
 * @param recentEventsMaxBytes {@code RECENT_EVENTS_MAX_BYTES}: encoded bytes of recent events kept
 *     in all
 * @param writeDelay {@code WRITE_DELAY_MS}: how long a session lets events gather before it writes
 *     them (0: at once); trades latency for fewer writes and larger batches under load
 * @param presenceCoalesce {@code PRESENCE_COALESCE_MS}: how long presence changes gather per
 *     recipient before they are written together, the newest per member (0: each at once)
 * @param presencePushMaxMembers {@code PRESENCE_PUSH_MAX_MEMBERS}: in a room with more members,
 *     presence and typing are not pushed; devices ask with {@code GetPresence} (0: pushed in no room)
 * @param maxFollowedRooms {@code MAX_FOLLOWED_ROOMS}: rooms a session that follows its profile's rooms
 *     may hold (instead of {@code MAX_CHANNELS_PER_SOCKET})
 */
public record SessionConfig(
    int maxRoomsPerSession,
    int maxConnectionsPerDevice,
    int maxEventsPerSecond,
    int maxFrameBytes,
    int maxQueuedMessages,
    long maxQueuedBytes,
    Duration heartbeatInterval,
    Duration connectionTimeout,
    Duration presenceTtl,
    Duration typingTtl,
    Duration resumeTtl,
    Duration helloTimeout,
    int resumeMaxEvents,
    int recentEventsPerRoom,
    long recentEventsMaxBytes,
    Duration writeDelay,
    Duration presenceCoalesce,
    int presencePushMaxMembers,
    int maxFollowedRooms) {

  /** Reads the session variables; the heartbeat must be shorter than the connection timeout. */
  public static SessionConfig fromEnvironment(EnvReader env) {
    Duration heartbeat = Duration.ofSeconds(env.integer("HEARTBEAT_INTERVAL_SEC", 30, 1, 3_600));
    Duration timeout = Duration.ofSeconds(env.integer("CONNECTION_TIMEOUT_SEC", 300, 2, 86_400));
    if (heartbeat.compareTo(timeout) >= 0) {
      throw new ConfigException(
          "HEARTBEAT_INTERVAL_SEC (" + heartbeat.toSeconds() + ") must be smaller than CONNECTION_TIMEOUT_SEC ("
              + timeout.toSeconds() + ")");
    }
    return new SessionConfig(
        env.integer("MAX_CHANNELS_PER_SOCKET", 200, 1, 100_000),
        env.integer("MAX_CONNECTIONS_PER_DEVICE", 1, 1, 1_000),
        env.integer("MAX_EVENTS_PER_SECOND", 100, 1, 1_000_000),
        env.integer("MAX_FRAME_BYTES", 64 * 1024, 256, 4 * 1024 * 1024),
        env.integer("OUTBOUND_QUEUE_MAX_MESSAGES", 1_000, 1, 1_000_000),
        env.integer("OUTBOUND_QUEUE_MAX_BYTES", 1024 * 1024, 1024, 1024 * 1024 * 1024),
        heartbeat,
        timeout,
        Duration.ofSeconds(env.integer("PRESENCE_TTL_SECONDS", 90, 1, 86_400)),
        Duration.ofSeconds(env.integer("TYPING_TTL_SEC", 10, 1, 600)),
        Duration.ofSeconds(env.integer("RESUME_TTL_SEC", 300, 0, 86_400)),
        Duration.ofSeconds(env.integer("HELLO_TIMEOUT_SEC", 10, 1, 300)),
        env.integer("RESUME_MAX_EVENTS", 1_000, 1, 100_000),
        env.integer("RECENT_EVENTS_PER_ROOM", 1_000, 0, 100_000),
        env.integer("RECENT_EVENTS_MAX_BYTES", 64 * 1024 * 1024, 0, Integer.MAX_VALUE),
        Duration.ofMillis(env.integer("WRITE_DELAY_MS", 0, 0, 1_000)),
        Duration.ofMillis(env.integer("PRESENCE_COALESCE_MS", 1_000, 0, 60_000)),
        env.integer("PRESENCE_PUSH_MAX_MEMBERS", 1_000, 0, Integer.MAX_VALUE),
        env.integer("MAX_FOLLOWED_ROOMS", 5_000, 1, 100_000));
  }
}
