package io.chatgateway.gateway.engine;

import static java.util.Objects.requireNonNull;

import io.chatgateway.bus.RedisChannels;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.gateway.backplane.ResumeRecords;
import io.chatgateway.logging.ThrottledLog;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Resume records in Redis, so a resume token works on every gateway, also after the gateway that
 * issued it died. One string key per token, {@code chat:resume:{token}}, expiring with the resume
 * TTL; its value is the profile id on the first line, then one {@code room sequence} line per room
 * (room ids have no spaces or line breaks, and the id rule keeps line breaks out of profile ids).
 * Taking a record is one script: it checks the owner and deletes in one step, so two gateways never
 * both resume the same token.
 *
 * <p>Thread-safe. Writes are not awaited; while Redis is away they fail and are logged at most every
 * 10 s, and a take answers empty (the device still catches up from the positions it states).
 */
public final class RedisResumeRecords implements ResumeRecords {

  private static final Logger log = Logger.getLogger(RedisResumeRecords.class.getName());
  private static final ThrottledLog FAILED = new ThrottledLog(log, Level.WARNING, Duration.ofSeconds(10));
  /** Returns the record and deletes it if its first line is ARGV[1]; nil otherwise. */
  private static final String TAKE_IF_OWNER =
      "local v = redis.call('GET', KEYS[1]) "
          + "if not v then return nil end "
          + "local nl = string.find(v, '\\n', 1, true) "
          + "local owner = nl and string.sub(v, 1, nl - 1) or v "
          + "if owner ~= ARGV[1] then return nil end "
          + "redis.call('DEL', KEYS[1]) "
          + "return v";

  private final RedisConnector redis;
  private final Duration ttl;

  public RedisResumeRecords(RedisConnector redis, Duration ttl) {
    this.redis = requireNonNull(redis, "redis");
    this.ttl = requireNonNull(ttl, "ttl");
  }

  /** Yes: they live in Redis. */
  @Override
  public boolean outliveGateway() {
    return true;
  }

  @Override
  public void save(String token, String profileId, Map<String, Long> positions) {
    if (ttl.isZero() || positions.isEmpty()) {
      return;
    }
    StringBuilder value = new StringBuilder(profileId);
    positions.forEach((room, sequence) -> value.append('\n').append(room).append(' ').append(sequence));
    redis.commands()
        .set(RedisChannels.resume(token), value.toString().getBytes(StandardCharsets.UTF_8), SetArgs.Builder.px(ttl.toMillis()))
        .whenComplete((ok, error) -> {
          if (error != null) {
            FAILED.log(() -> "saving a resume record failed: " + error);
          }
        });
  }

  @Override
  public CompletionStage<Map<String, Long>> take(String token, String profileId) {
    return redis.commands()
        .<byte[]>eval(TAKE_IF_OWNER, ScriptOutputType.VALUE, new String[] {RedisChannels.resume(token)}, profileId.getBytes(StandardCharsets.UTF_8))
        .handle(
            (value, error) -> {
              if (error != null) {
                FAILED.log(() -> "reading a resume record failed: " + error);
                return Map.of();
              }
              return value == null ? Map.<String, Long>of() : positions(new String(value, StandardCharsets.UTF_8));
            });
  }

  /** The positions of a record's value (its lines after the first). */
  static Map<String, Long> positions(String value) {
    Map<String, Long> positions = new HashMap<>();
    String[] lines = value.split("\n");
    for (int i = 1; i < lines.length; i++) {
      int space = lines[i].lastIndexOf(' ');
      if (space > 0) {
        try {
          positions.put(lines[i].substring(0, space), Long.parseLong(lines[i].substring(space + 1)));
        } catch (NumberFormatException e) {
          // Not written by us: skip the line rather than resume from a wrong position.
        }
      }
    }
    return Map.copyOf(positions);
  }
}
