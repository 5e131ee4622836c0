package io.chatgateway.bus;

/**
 * The names of every Redis channel and key the gateways and cores use. Curly braces are Redis Cluster
 * hash tags: all keys of one gateway live in one slot, and so do all keys of one profile; a room's
 * channel is sharded by the room id.
 *
 * <ul>
 *   <li>{@code chat:room:{<roomId>}} — channel: protobuf {@code chat.v1.BusEnvelope}s of the room
 *       (PUBLISH/SUBSCRIBE; SPUBLISH/SSUBSCRIBE on Redis Cluster)
 *   <li>{@code chat:user:{<profile>}} (escaped) — channel: {@code chat.v1.BusEnvelope}s for every
 *       device of one profile ({@code profile_id} set): membership changes, the profile's own read
 *       markers, notices
 *   <li>{@code chat:gw:{<gatewayId>}:control} — channel: messages to one gateway (device kicks, its
 *       own liveness pings)
 *   <li>{@code chat:gw:{<gatewayId>}:conns} — hash: {@code <profile>:<device>} (both escaped) → JSON
 *       connection info
 *   <li>{@code chat:gw:{<gatewayId>}:rooms} — hash: room id → local subscriber count
 *   <li>{@code chat:gateways} — sorted set: gateway id → last heartbeat (epoch ms)
 *   <li>{@code chat:device:{<profile>}:<device>} (both escaped) — string: the gateway holding that
 *       device
 *   <li>{@code chat:presence:{<profile>}} (escaped) — sorted set: gateway id → last activity of the
 *       profile there (epoch ms)
 *   <li>{@code chat:presence:{<profile>}:status} (escaped) — hash: the profile's last published
 *       presence: {@code s} (PresenceStatus number), {@code t} (status text), {@code at} (epoch ms);
 *       kept a day after the last change, for last-seen answers
 *   <li>{@code chat:room-presence:{<roomId>}} — sorted set: profile id (UTF-8) → when a live session
 *       of it joined the room (epoch ms); members without a session anywhere are pruned when read
 *   <li>{@code chat:reap:{<gatewayId>}} — string: the gateway currently reaping a dead one (lock)
 * </ul>
 *
 * <p>Profile and device ids may contain any character the {@link io.chatgateway.client.Ids} rule
 * allows, {@code :}, <code>{</code> and <code>}</code> included, so inside keys and hash fields they are
 * escaped ({@link #escape}): {@code %} → {@code %25}, {@code :} → {@code %3A}, <code>{</code> →
 * {@code %7B}, <code>}</code> → {@code %7D}. Escaped ids contain neither separator nor brace, so two
 * distinct (profile, device) pairs never share a key or field, and a profile's hash tag is always
 * exactly its escaped id: its device and presence keys share one cluster slot. Ids without those four
 * characters (the usual ones) appear unchanged. Gateway ids and room ids are restricted to characters
 * that need no escaping.
 */
public final class RedisChannels {

  public static final String GATEWAYS = "chat:gateways";

  private RedisChannels() {}

  public static String room(String roomId) {
    return "chat:room:{" + roomId + "}";
  }

  /** The channel of one profile's devices: envelopes with {@code profile_id} set. */
  public static String user(String profileId) {
    return "chat:user:{" + escape(profileId) + "}";
  }

  /** The escaped profile id of a user channel, or null for any other channel. */
  public static String userOf(String channel) {
    if (channel.startsWith("chat:user:{") && channel.endsWith("}")) {
      return channel.substring("chat:user:{".length(), channel.length() - 1);
    }
    return null;
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
    return "chat:device:{" + escape(profileId) + "}:" + escape(deviceId);
  }

  public static String presence(String profileId) {
    return "chat:presence:{" + escape(profileId) + "}";
  }

  /** A profile's last published presence (same cluster slot as {@link #presence}). */
  public static String presenceStatus(String profileId) {
    return presence(profileId) + ":status";
  }

  /** The profiles present in a room, by when they joined it. */
  public static String roomPresence(String roomId) {
    return "chat:room-presence:{" + roomId + "}";
  }

  /** The field of a device in a gateway's {@link #connections} hash. */
  public static String connectionField(String profileId, String deviceId) {
    return escape(profileId) + ":" + escape(deviceId);
  }

  /**
   * {@code id} with {@code %}, {@code :}, <code>{</code> and <code>}</code> percent-escaped, so it can
   * stand between separators and inside a hash tag. Reversible, and the identity for ids without them.
   */
  public static String escape(String id) {
    int i = 0;
    while (i < id.length() && !needsEscape(id.charAt(i))) {
      i++;
    }
    if (i == id.length()) {
      return id;
    }
    StringBuilder escaped = new StringBuilder(id.length() + 8).append(id, 0, i);
    for (; i < id.length(); i++) {
      char c = id.charAt(i);
      switch (c) {
        case '%' -> escaped.append("%25");
        case ':' -> escaped.append("%3A");
        case '{' -> escaped.append("%7B");
        case '}' -> escaped.append("%7D");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static boolean needsEscape(char c) {
    return c == '%' || c == ':' || c == '{' || c == '}';
  }

  /** A resume record, under a session's resume token (URL-safe base64: nothing to escape). */
  public static String resume(String token) {
    return "chat:resume:{" + escape(token) + "}";
  }

  /** The events {@code profileId} sent in the epoch second {@code second}, counted by every gateway. */
  public static String profileRate(String profileId, long second) {
    return "chat:rate:{" + escape(profileId) + "}:" + second;
  }

  public static String reapLock(String gatewayId) {
    return "chat:reap:{" + gatewayId + "}";
  }
}
