package io.chatgateway.gateway;

import io.chatgateway.bus.RedisConnector;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.engine.InMemoryEngine;
import io.chatgateway.gateway.engine.RedisDirectory;
import io.chatgateway.gateway.engine.RedisEngine;
import java.io.IOException;
import java.time.Clock;

/**
 * What connects this gateway to the others: the engine that carries room envelopes and the directory
 * of sessions, over one Redis connection when {@code CACHE_URI} is set, in memory otherwise.
 *
 * <p>Lifecycle: built by {@link #connect}; the gateway starts the directory once its sessions exist,
 * and {@link #close} stops the directory, the engine and the connection, in that order.
 */
final class Backplane implements AutoCloseable {

  private final RedisConnector redis; // null in memory
  private final Engine engine;
  private final SessionDirectory directory;

  private Backplane(RedisConnector redis, Engine engine, SessionDirectory directory) {
    this.redis = redis;
    this.engine = engine;
    this.directory = directory;
  }

  /** Connects to Redis, if configured; throws naming {@code CACHE_URI} when it cannot be reached. */
  static Backplane connect(GatewayConfig config) throws IOException {
    if (config.cache().isEmpty()) {
      return new Backplane(null, new InMemoryEngine(), SessionDirectory.LOCAL);
    }
    RedisConnector redis;
    try {
      redis = RedisConnector.connect(config.cache().get(), config.redisCommandTimeout());
    } catch (RuntimeException e) {
      throw new IOException("cannot reach Redis at CACHE_URI " + config.cache().get().display() + ": " + e.getMessage(), e);
    }
    RedisEngine engine = new RedisEngine(redis, config.gatewayId());
    RedisDirectory directory =
        new RedisDirectory(
            redis,
            engine,
            config.gatewayId(),
            config.session().connectionTimeout().multipliedBy(2),
            config.gatewayHeartbeat(),
            config.session().presenceTtl(),
            Clock.systemUTC());
    return new Backplane(redis, engine, directory);
  }

  Engine engine() {
    return engine;
  }

  SessionDirectory directory() {
    return directory;
  }

  @Override
  public void close() {
    directory.close();
    engine.close();
    if (redis != null) {
      redis.close();
    }
  }
}
