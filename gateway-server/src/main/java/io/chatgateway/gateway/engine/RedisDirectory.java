package io.chatgateway.gateway.engine;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.bus.BusEnvelopes;
import io.chatgateway.bus.RedisChannels;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.backplane.SessionSnapshot;
import io.chatgateway.proto.v1.DeviceKick;
import io.chatgateway.proto.v1.GatewayControl;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceStatus;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This gateway's entries in Redis, for operators and for the other gateways (key formats in {@link
 * RedisChannels}):
 *
 * <ul>
 *   <li>its connections ({@code conns} hash) and rooms with their local subscriber counts ({@code
 *       rooms} hash);
 *   <li>the device index: which gateway holds each device. Taking it over from another gateway sends
 *       that gateway a {@link DeviceKick}, which closes the older session;
 *   <li>per-profile presence: the last activity of the profile on each gateway;
 *   <li>its heartbeat in the gateway registry.
 * </ul>
 *
 * <p>Every key expires after {@code ttl} (about twice the connection timeout) unless refreshed, and
 * the heartbeat refreshes them every {@code heartbeat}. The heartbeat also reaps: a gateway whose
 * registry entry is older than 3 heartbeats died without cleaning up. Its hashes and index entries
 * are removed, and its users' presence turns offline unless they are connected elsewhere.
 *
 * <p>Session calls only start asynchronous commands. The heartbeat and the reaper run on this
 * directory's own thread and may wait for Redis.
 */
public final class RedisDirectory implements SessionDirectory {

  private static final Logger log = Logger.getLogger(RedisDirectory.class.getName());
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();
  /** Deletes KEYS[1] only if it still holds ARGV[1]: a gateway never removes another's claim. */
  private static final String DELETE_IF_EQUALS =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

  /**
   * Refreshes this gateway's claim on a device: sets KEYS[1] to ARGV[1] with TTL ARGV[2] if the key is
   * missing (Redis restarted empty) or already ARGV[1]; never takes a device another gateway holds.
   */
  private static final String CLAIM_IF_FREE_OR_OURS =
      "local v = redis.call('get', KEYS[1]) "
          + "if v == false or v == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end "
          + "return 0";

  /**
   * Replaces hash KEYS[1] with the field/value pairs ARGV[2..] and sets its TTL to ARGV[1] seconds, in
   * one step. The heartbeat writes the whole truth each beat, so an entry of a session that closed
   * while the beat was being prepared disappears at the next beat instead of lingering until its TTL.
   */
  private static final String REPLACE_HASH =
      "redis.call('del', KEYS[1]) "
          + "for i = 2, #ARGV, 2 do redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end "
          + "if #ARGV > 1 then redis.call('expire', KEYS[1], ARGV[1]) end "
          + "return 1";

  private final RedisConnector redis;
  private final RedisEngine engine;
  private final String gatewayId;
  private final Duration ttl;
  private final Duration heartbeat;
  private final Duration presenceTtl;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  /** How long a profile's last published presence is kept for last-seen answers after it changed. */
  static final Duration LAST_SEEN_KEPT = Duration.ofDays(1);

  public RedisDirectory(
      RedisConnector redis, RedisEngine engine, String gatewayId, Duration ttl, Duration heartbeat, Duration presenceTtl, Clock clock) {
    this.redis = requireNonNull(redis, "redis");
    this.engine = requireNonNull(engine, "engine");
    this.gatewayId = requireNonNull(gatewayId, "gatewayId");
    this.ttl = requireNonNull(ttl, "ttl");
    this.heartbeat = requireNonNull(heartbeat, "heartbeat");
    this.presenceTtl = requireNonNull(presenceTtl, "presenceTtl");
    this.clock = requireNonNull(clock, "clock");
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread t = new Thread(runnable, "redis-directory");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Registers this gateway and starts the heartbeat, which rewrites every entry (so Redis restarted
   * empty gets them all back), refreshes their TTLs and reaps. A reconnect to Redis triggers a beat at
   * once.
   *
   * <p>{@code sessions} gives the live sessions (past their handshake, open); {@code stillLive} tells, by
   * session id, whether one still is right before its device claim is refreshed.
   */
  @Override
  public void start(Supplier<Collection<SessionSnapshot>> sessions, Predicate<String> stillLive, Supplier<Map<String, Integer>> roomSubscribers) {
    long every = heartbeat.toMillis();
    Runnable beat = () -> beat(sessions.get(), stillLive, roomSubscribers.get());
    thread.scheduleWithFixedDelay(beat, 0, every, TimeUnit.MILLISECONDS);
    redis.addConnectionListener(
        new io.lettuce.core.RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, java.net.SocketAddress address) {
            if (!thread.isShutdown()) {
              thread.execute(beat);
            }
          }
        });
  }

  private RedisClusterAsyncCommands<String, byte[]> commands() {
    return redis.commands();
  }

  // ------------------------------------------------------------------ session events (any thread)

  @Override
  public void sessionIdentified(SessionSnapshot session) {
    String connections = RedisChannels.connections(gatewayId);
    commands().hset(connections, field(session), json(session));
    commands().expire(connections, ttl.toSeconds());
    // Claim the device atomically (SET ... GET); whoever held it before is told to close its session.
    commands()
        .setGet(RedisChannels.device(session.profileId(), session.deviceId()), bytes(gatewayId), SetArgs.Builder.ex(ttl.toSeconds()))
        .whenComplete(
            (previous, error) -> {
              if (error == null && previous != null && !text(previous).equals(gatewayId)) {
                kick(text(previous), session);
              }
            });
    touchPresence(session.profileId());
  }

  @Override
  public void sessionChanged(SessionSnapshot session) {
    // The reaper needs each session's rooms to tell them its user left.
    commands().hset(RedisChannels.connections(gatewayId), field(session), json(session));
  }

  @Override
  public void sessionClosed(SessionSnapshot session) {
    commands().hdel(RedisChannels.connections(gatewayId), field(session));
    commands()
        .eval(DELETE_IF_EQUALS, ScriptOutputType.INTEGER, new String[] {RedisChannels.device(session.profileId(), session.deviceId())}, bytes(gatewayId));
  }

  @Override
  public void roomSubscribers(String roomId, int count) {
    String rooms = RedisChannels.rooms(gatewayId);
    if (count == 0) {
      commands().hdel(rooms, roomId);
    } else {
      commands().hset(rooms, roomId, bytes(Integer.toString(count)));
      commands().expire(rooms, ttl.toSeconds());
    }
  }

  @Override
  public CompletionStage<Boolean> onlineElsewhere(String profileId) {
    String presence = RedisChannels.presence(profileId);
    long since = clock.millis() - presenceTtl.toMillis();
    // This gateway's entry goes first, so the count that follows sees only the others.
    return commands()
        .zrem(presence, bytes(gatewayId))
        .thenCompose(removed -> commands().zcount(presence, Range.create((double) since, Double.POSITIVE_INFINITY)))
        .thenApply(count -> count > 0)
        .exceptionally(
            error -> {
              log.fine(() -> "presence lookup failed, assuming offline elsewhere: " + error.getMessage());
              return false;
            });
  }

  @Override
  public void joinedRoom(String profileId, String roomId) {
    String present = RedisChannels.roomPresence(roomId);
    commands().zadd(present, (double) clock.millis(), bytes(profileId));
    commands().expire(present, ttl.toSeconds());
  }

  @Override
  public void presenceChanged(PresenceEvent presence) {
    String status = RedisChannels.presenceStatus(presence.getProfileId());
    commands().hset(status, Map.of(
        "s", bytes(Integer.toString(presence.getStatusValue())),
        "t", bytes(presence.getStatusText()),
        "at", bytes(Long.toString(Timestamps.toMillis(presence.getLastSeenTime())))));
    commands().expire(status, LAST_SEEN_KEPT.toSeconds());
  }

  @Override
  public CompletionStage<Map<String, PresenceEvent>> presenceOf(Collection<String> profileIds) {
    return known(profileIds).thenApply(known -> {
      Map<String, PresenceEvent> presence = new HashMap<>();
      known.forEach((profile, entry) -> presence.put(profile, entry.presence()));
      return presence;
    });
  }

  @Override
  public CompletionStage<List<PresenceEvent>> presentIn(String roomId, int limit) {
    String present = RedisChannels.roomPresence(roomId);
    // Twice the limit: some of the newest may be offline now.
    return commands().zrevrange(present, 0, 2L * limit)
        .thenCompose(raw -> {
          List<String> profiles = raw.stream().map(RedisDirectory::text).toList();
          return known(profiles).thenApply(known -> {
            List<PresenceEvent> found = new ArrayList<>();
            for (String profile : profiles) {
              Known entry = known.get(profile);
              if (entry == null || !entry.held()) {
                commands().zrem(present, bytes(profile)); // no session anywhere: no longer present
              } else if (entry.presence().getStatus() != PresenceStatus.PRESENCE_STATUS_OFFLINE && found.size() <= limit) {
                found.add(entry.presence());
              }
            }
            return found;
          });
        });
  }

  /** A profile's presence as Redis has it, and whether any gateway holds a session of it. */
  private record Known(PresenceEvent presence, boolean held) {}

  private CompletionStage<Map<String, Known>> known(Collection<String> profileIds) {
    long since = clock.millis() - presenceTtl.toMillis();
    Map<String, CompletableFuture<Known>> lookups = new LinkedHashMap<>();
    for (String profile : profileIds) {
      if (lookups.containsKey(profile)) {
        continue;
      }
      CompletableFuture<List<ScoredValue<byte[]>>> gateways = commands().zrangeWithScores(RedisChannels.presence(profile), 0, -1).toCompletableFuture();
      CompletableFuture<Map<String, byte[]>> status = commands().hgetall(RedisChannels.presenceStatus(profile)).toCompletableFuture();
      lookups.put(profile, gateways.thenCombine(status, (held, published) -> known(profile, held, published, since)));
    }
    return CompletableFuture.allOf(lookups.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
      Map<String, Known> known = new HashMap<>();
      lookups.forEach((profile, lookup) -> {
        Known entry = lookup.join();
        if (entry != null) {
          known.put(profile, entry);
        }
      });
      return known;
    });
  }

  /**
   * What {@code held} (gateway → last activity there) and {@code published} (the status hash) say of
   * a profile: online while some gateway saw it within the presence TTL, with the published status
   * unless that is OFFLINE (published by a gateway its last session there left); null when neither
   * knows it.
   */
  private static Known known(String profile, List<ScoredValue<byte[]>> held, Map<String, byte[]> published, long onlineSince) {
    if (held.isEmpty() && published.isEmpty()) {
      return null;
    }
    long lastActivity = 0;
    for (ScoredValue<byte[]> gateway : held) {
      lastActivity = Math.max(lastActivity, (long) gateway.getScore());
    }
    long changedAt = published.containsKey("at") ? Long.parseLong(text(published.get("at"))) : 0;
    PresenceStatus status = published.containsKey("s") ? PresenceStatus.forNumber(Integer.parseInt(text(published.get("s")))) : null;
    boolean online = lastActivity >= onlineSince;
    PresenceEvent.Builder presence = PresenceEvent.newBuilder().setProfileId(profile).setLastSeenTime(Timestamps.fromMillis(Math.max(lastActivity, changedAt)));
    if (!online) {
      presence.setStatus(PresenceStatus.PRESENCE_STATUS_OFFLINE);
    } else if (status == null || status == PresenceStatus.PRESENCE_STATUS_OFFLINE || status == PresenceStatus.PRESENCE_STATUS_UNSPECIFIED) {
      presence.setStatus(PresenceStatus.PRESENCE_STATUS_ONLINE);
    } else {
      presence.setStatus(status).setStatusText(text(published.getOrDefault("t", new byte[0])));
    }
    return new Known(presence.build(), !held.isEmpty());
  }

  private void kick(String previousGateway, SessionSnapshot session) {
    try {
      engine.sendControl(
          previousGateway,
          GatewayControl.newBuilder()
              .setKick(DeviceKick.newBuilder().setProfileId(session.profileId()).setDeviceId(session.deviceId()).setNewGatewayId(gatewayId))
              .build());
    } catch (RuntimeException e) {
      log.warning(() -> "could not tell gateway " + previousGateway + " to drop " + field(session) + ": " + e.getMessage());
    }
  }

  private void touchPresence(String profileId) {
    String presence = RedisChannels.presence(profileId);
    commands().zadd(presence, (double) clock.millis(), bytes(gatewayId));
    commands().expire(presence, ttl.toSeconds());
  }

  // ------------------------------------------------------------------ heartbeat and reaping (own thread)

  private void beat(Collection<SessionSnapshot> sessions, Predicate<String> stillLive, Map<String, Integer> roomSubscribers) {
    try {
      long now = clock.millis();
      commands().zadd(RedisChannels.GATEWAYS, (double) now, bytes(gatewayId)).get(5, TimeUnit.SECONDS);
      Map<String, byte[]> fields = new HashMap<>();
      Map<String, Long> lastActivity = new HashMap<>();
      for (SessionSnapshot session : sessions) {
        fields.put(field(session), json(session));
        lastActivity.merge(session.profileId(), session.lastActivityMillis(), Math::max);
      }
      replaceHash(RedisChannels.connections(gatewayId), fields);
      Map<String, byte[]> counts = new HashMap<>();
      roomSubscribers.forEach((room, count) -> counts.put(room, bytes(Integer.toString(count))));
      replaceHash(RedisChannels.rooms(gatewayId), counts);
      for (String room : roomSubscribers.keySet()) {
        commands().expire(RedisChannels.roomPresence(room), ttl.toSeconds());
      }
      Set<String> stillPresent = new HashSet<>();
      for (SessionSnapshot session : sessions) {
        // Checked right before the write: a close issues its deletes (device claim, presence entry)
        // after this on the same connection. A beat that read a session just before it closed must
        // not write its entries back after the close removed them.
        if (stillLive.test(session.sessionId())) {
          stillPresent.add(session.profileId());
          commands()
              .eval(
                  CLAIM_IF_FREE_OR_OURS,
                  ScriptOutputType.INTEGER,
                  new String[] {RedisChannels.device(session.profileId(), session.deviceId())},
                  bytes(gatewayId),
                  bytes(Long.toString(ttl.toSeconds())));
        }
      }
      lastActivity.forEach(
          (profile, at) -> {
            if (stillPresent.contains(profile)) {
              commands().zadd(RedisChannels.presence(profile), (double) at, bytes(gatewayId));
              commands().expire(RedisChannels.presence(profile), ttl.toSeconds());
            }
          });
      reapDeadGateways(now);
    } catch (Exception e) {
      log.log(Level.FINE, "heartbeat failed (Redis down?); retrying next beat", e);
    }
  }

  private void replaceHash(String key, Map<String, byte[]> fields) throws Exception {
    byte[][] args = new byte[1 + 2 * fields.size()][];
    args[0] = bytes(Long.toString(ttl.toSeconds()));
    int i = 1;
    for (Map.Entry<String, byte[]> field : fields.entrySet()) {
      args[i++] = bytes(field.getKey());
      args[i++] = field.getValue();
    }
    commands().<Long>eval(REPLACE_HASH, ScriptOutputType.INTEGER, new String[] {key}, args).get(5, TimeUnit.SECONDS);
  }

  private void reapDeadGateways(long now) throws Exception {
    long lapse = 3 * heartbeat.toMillis();
    List<byte[]> dead =
        commands().zrangebyscore(RedisChannels.GATEWAYS, Range.create(Double.NEGATIVE_INFINITY, (double) (now - lapse))).get(5, TimeUnit.SECONDS);
    for (byte[] raw : dead) {
      String deadId = text(raw);
      if (deadId.equals(gatewayId)) {
        continue;
      }
      String lock = commands().set(RedisChannels.reapLock(deadId), bytes(gatewayId), SetArgs.Builder.nx().ex(30)).get(5, TimeUnit.SECONDS);
      if (!"OK".equals(lock)) {
        continue; // another gateway is on it
      }
      reap(deadId, now);
    }
  }

  private void reap(String deadId, long now) throws Exception {
    log.warning(() -> "gateway " + deadId + " missed its heartbeats; removing its connections and presence");
    Map<String, byte[]> connections = commands().hgetall(RedisChannels.connections(deadId)).get(5, TimeUnit.SECONDS);
    Map<String, List<String>> roomsByProfile = new HashMap<>();
    for (Map.Entry<String, byte[]> entry : connections.entrySet()) {
      Struct info = parse(entry.getValue());
      String profile = info.getFieldsOrDefault("profile_id", Value.getDefaultInstance()).getStringValue();
      String device = info.getFieldsOrDefault("device_id", Value.getDefaultInstance()).getStringValue();
      commands().eval(DELETE_IF_EQUALS, ScriptOutputType.INTEGER, new String[] {RedisChannels.device(profile, device)}, bytes(deadId)).get(5, TimeUnit.SECONDS);
      List<String> rooms = roomsByProfile.computeIfAbsent(profile, p -> new java.util.ArrayList<>());
      for (Value room : info.getFieldsOrDefault("rooms", Value.getDefaultInstance()).getListValue().getValuesList()) {
        rooms.add(room.getStringValue());
      }
    }
    for (Map.Entry<String, List<String>> entry : roomsByProfile.entrySet()) {
      String presence = RedisChannels.presence(entry.getKey());
      commands().zrem(presence, bytes(deadId)).get(5, TimeUnit.SECONDS);
      long elsewhere = commands().zcount(presence, Range.create((double) (now - presenceTtl.toMillis()), Double.POSITIVE_INFINITY)).get(5, TimeUnit.SECONDS);
      if (elsewhere == 0) {
        PresenceEvent offline =
            PresenceEvent.newBuilder()
                .setProfileId(entry.getKey())
                .setStatus(PresenceStatus.PRESENCE_STATUS_OFFLINE)
                .setLastSeenTime(Timestamps.fromMillis(now))
                .build();
        BusEnvelopes.presence(gatewayId, offline, new LinkedHashSet<>(entry.getValue())).forEach(engine::publish);
      }
    }
    commands().del(RedisChannels.connections(deadId), RedisChannels.rooms(deadId)).get(5, TimeUnit.SECONDS);
    commands().zrem(RedisChannels.GATEWAYS, bytes(deadId)).get(5, TimeUnit.SECONDS);
  }

  /** Removes this gateway's own entries: a clean shutdown leaves nothing behind. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      CompletableFuture.allOf(
              commands().del(RedisChannels.connections(gatewayId), RedisChannels.rooms(gatewayId)).toCompletableFuture(),
              commands().zrem(RedisChannels.GATEWAYS, bytes(gatewayId)).toCompletableFuture())
          .get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.fine(() -> "could not remove this gateway's entries at shutdown: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ encoding

  private static String field(SessionSnapshot session) {
    return RedisChannels.connectionField(session.profileId(), session.deviceId());
  }

  private byte[] json(SessionSnapshot session) {
    ListValue.Builder rooms = ListValue.newBuilder();
    session.rooms().forEach(room -> rooms.addValues(Value.newBuilder().setStringValue(room)));
    Struct info =
        Struct.newBuilder()
            .putFields("profile_id", string(session.profileId()))
            .putFields("device_id", string(session.deviceId()))
            .putFields("session_id", string(session.sessionId()))
            .putFields("transport", string(session.transport()))
            .putFields("remote_address", string(session.remoteAddress()))
            .putFields("connected_at", string(session.connectedAt().toString()))
            .putFields("last_heartbeat", string(java.time.Instant.ofEpochMilli(session.lastActivityMillis()).toString()))
            .putFields("room_count", Value.newBuilder().setNumberValue(rooms.getValuesCount()).build())
            .putFields("rooms", Value.newBuilder().setListValue(rooms).build())
            .build();
    try {
      return bytes(JSON.print(info));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Struct parse(byte[] json) {
    Struct.Builder info = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(text(json), info);
    } catch (InvalidProtocolBufferException e) {
      log.warning("unreadable connection entry: " + text(json));
    }
    return info.build();
  }

  private static Value string(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
