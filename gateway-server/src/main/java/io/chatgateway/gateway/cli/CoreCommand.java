package io.chatgateway.gateway.cli;

import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisEventPublisher;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code core}: the embedded in-memory core as a process of its own, shared by several gateways
 * (they set {@code CHAT_SERVICE_URI} to it). It publishes accepted events to Redis ({@code
 * CACHE_URI}, required), from where every gateway with subscribers receives them. Listens on {@code
 * CORE_PORT} (default 50052). Its port must only be reachable by gateways, because the core trusts
 * the caller identity they send. With {@code CORE_DATA_FILE} it keeps every change in that file and
 * starts from it, so it survives a restart; without, it lives in memory.
 */
public final class CoreCommand {

  private static final Logger log = Logger.getLogger(CoreCommand.class.getName());

  private CoreCommand() {}

  /** A running core and its Redis connection; closing stops both. */
  public record Running(CoreServer server, RedisConnector redis) implements AutoCloseable {
    public int port() {
      return server.port();
    }

    @Override
    public void close() {
      server.close();
      redis.close();
    }
  }

  /** Starts the core; returns it running. The caller owns it. */
  public static Running start(Map<String, String> environment) throws java.io.IOException {
    EnvReader env = new EnvReader(environment);
    RedisTarget target =
        GatewayConfig.cacheTarget(env)
            .orElseThrow(() -> new ConfigException("CACHE_URI: required for the standalone core; gateways receive its events through Redis"));
    int port = env.integer("CORE_PORT", 50052, 0, 65535);
    Duration timeout = Duration.ofMillis(env.integer("REDIS_COMMAND_TIMEOUT_MS", 2_000, 10, 60_000));
    RedisConnector redis = RedisConnector.connect(target, timeout);
    String dataFile = env.string("CORE_DATA_FILE", "");
    ChatCore chat;
    try {
      chat =
          dataFile.isEmpty()
              ? new ChatCore(new RedisEventPublisher(redis), Clock.systemUTC(), env.string("CORE_ID", "core"))
              : ChatCore.recover(new RedisEventPublisher(redis), Clock.systemUTC(), env.string("CORE_ID", "core"), Path.of(dataFile));
    } catch (java.io.IOException | RuntimeException e) {
      redis.close();
      throw new ConfigException("CORE_DATA_FILE: cannot use " + dataFile + ": " + e.getMessage());
    }
    CoreServer core;
    try {
      core = CoreServer.start(port, chat);
    } catch (java.io.IOException e) {
      redis.close();
      throw new java.io.IOException("cannot listen on CORE_PORT " + port + ": " + e.getMessage(), e);
    }
    log.info(
        () -> "chat core listening on port " + core.port() + ", publishing to " + target.display()
            + (dataFile.isEmpty() ? ", in memory only" : ", " + chat.roomCount() + " rooms recovered from " + dataFile));
    return new Running(core, redis);
  }
}
