package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatgateway.bus.RedisChannels;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.gateway.backplane.SessionSnapshot;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The heartbeat writes device claims and presence only for sessions that are still live when it
 * writes: a beat that took its snapshot just before a session closed must not put back the entries
 * the close removed (the user's other gateway would then never announce them offline).
 */
class RedisDirectoryHeartbeatTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  @Test
  void aSessionThatClosedAfterTheSnapshotGetsNoEntriesWrittenBack() throws Exception {
    String gateway = "gw-beat";
    SessionSnapshot live = snapshot("s-live", "lena");
    SessionSnapshot gone = snapshot("s-gone", "gus");
    RedisConnector connector = RedisConnector.connect(RedisTarget.parse(redis.cacheUri()), Duration.ofSeconds(2));
    RedisEngine engine = new RedisEngine(connector, gateway);
    RedisDirectory directory =
        new RedisDirectory(connector, engine, gateway, Duration.ofMinutes(1), Duration.ofMillis(200), Duration.ofSeconds(90), Clock.systemUTC());
    try (RedisClient client = RedisClient.create(redis.cacheUri());
        StatefulRedisConnection<String, String> inspect = client.connect()) {
      // Both are in every beat's snapshot; only one is still live when the beat writes.
      directory.start(() -> List.of(live, gone), Set.of("s-live")::contains, Map::of);
      Await.until(Duration.ofSeconds(10), () -> gateway.equals(inspect.sync().get(RedisChannels.device("lena", "phone"))), "the live session's claim");
      Double firstBeat = inspect.sync().zscore(RedisChannels.GATEWAYS, gateway);
      // A later beat started only after the earlier one issued all its writes on the same connection.
      Await.until(Duration.ofSeconds(10), () -> !firstBeat.equals(inspect.sync().zscore(RedisChannels.GATEWAYS, gateway)), "another beat");
      assertEquals(1L, inspect.sync().zcard(RedisChannels.presence("lena")), "the live session's presence");
      assertNull(inspect.sync().get(RedisChannels.device("gus", "phone")), "no claim for the closed session");
      assertEquals(0L, inspect.sync().zcard(RedisChannels.presence("gus")), "no presence for the closed session");
    } finally {
      directory.close();
      engine.close();
      connector.close();
    }
  }

  private static SessionSnapshot snapshot(String sessionId, String profile) {
    return new SessionSnapshot(sessionId, profile, "phone", "test", "test", Instant.now(), System.currentTimeMillis(), List.of());
  }
}
