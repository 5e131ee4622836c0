package io.chatgateway.bus;

/**
 * The names of every Redis channel and key the gateways and cores use. Curly braces are Redis Cluster
 * hash tags: all keys of one gateway live in one slot, and so do all keys of one profile; a room's
 * channel is sharded by the room id.
 *
 * <ul>
 *   <li>{@code chat:room:{<roomId>}} — channel: protobuf {@code chat.v1.BusEnvelope}s of the room
 *       (PUBLISH/SUBSCRIBE; SPUBLISH/SSUBSCRIBE on Redis Cluster)
 *   <li>{@code chat:gw:{<gatewayId>}:control} — channel: messages to one gateway (device kicks, its
 *       own liveness pings)
 *   <li>{@code chat:gw:{<gatewayId>}:conns} — hash: {@code <profile>:<device>} → JSON connection info
 *   <li>{@code chat:gw:{<gatewayId>}:rooms} — hash: room id → local subscriber count
 *   <li>{@code chat:gateways} — sorted set: gateway id → last heartbeat (epoch ms)
 *   <li>{@code chat:device:{<profile>}:<device>} — string: the gateway holding that device
 *   <li>{@code chat:presence:{<profile>}} — sorted set: gateway id → last activity of the profile
 *       there (epoch ms)
 *   <li>{@code chat:reap:{<gatewayId>}} — string: the gateway currently reaping a dead one (lock)
 * </ul>
 */
public final class RedisChannels {

  public static final String GATEWAYS = "chat:gateways";

  private RedisChannels() {}

  public static String room(String roomId) {
    return "chat:room:{" + roomId + "}";
  }

  /** The room id of a room channel, or null for any other channel. */
  public static String roomOf(String channel) {
    if (channel.startsWith("chat:room:{") && channel.endsWith("}")) {
      return channel.substring("chat:room:{".length(), channel.length() - 1);
    }
    return null;
  }

  public static String control(String gatewayId) {
    return "chat:gw:{" + gatewayId + "}:control";
  }

  public static String connections(String gatewayId) {
    return "chat:gw:{" + gatewayId + "}:conns";
  }

  public static String rooms(String gatewayId) {
    return "chat:gw:{" + gatewayId + "}:rooms";
  }

  public static String device(String profileId, String deviceId) {
    return "chat:device:{" + profileId + "}:" + deviceId;
  }

  public static String presence(String profileId) {
    return "chat:presence:{" + profileId + "}";
  }

  public static String reapLock(String gatewayId) {
    return "chat:reap:{" + gatewayId + "}";
  }
}
