package io.chatgateway.gateway;

import io.chatgateway.gateway.backplane.ProfileRates;
import io.chatgateway.gateway.engine.ProfileEventRate;

import io.chatgateway.bus.RedisConnector;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.gateway.backplane.ResumeRecords;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.engine.InMemoryEngine;
import io.chatgateway.gateway.engine.InMemoryResumeRecords;
import io.chatgateway.gateway.engine.RedisDirectory;
import io.chatgateway.gateway.engine.RedisEngine;
import io.chatgateway.gateway.engine.RedisResumeRecords;
import java.io.IOException;
import java.time.Clock;

/**
 * What connects this gateway to the others: the engine that carries room envelopes, the directory
 * of sessions, the resume records and the per-profile event counts, over one Redis connection when {@code CACHE_URI} is set, in
 * memory otherwise.
 *
 * <p>Lifecycle: built by {@link #connect}; the gateway starts the directory once its sessions exist,
 * and {@link #close} stops the directory, the engine and the connection, in that order.
 */
final class Backplane implements AutoCloseable {

  /** Resume records kept in memory at most, whatever the TTL. */
  static final int MAX_RESUME_RECORDS = 200_000;

  private final RedisConnector redis; // null in memory
  private final Engine engine;
  private final SessionDirectory directory;
  private final ResumeRecords resumes;
  private final ProfileRates rates;

  private Backplane(RedisConnector redis, Engine engine, SessionDirectory directory, ResumeRecords resumes, ProfileRates rates) {
    this.redis = redis;
    this.engine = engine;
    this.directory = directory;
    this.resumes = resumes;
    this.rates = rates;
  }

  /** Connects to Redis, if configured; throws naming {@code CACHE_URI} when it cannot be reached. */
  static Backplane connect(GatewayConfig config) throws IOException {
    int perProfile = config.limits().maxProfileEventsPerSecond();
    if (config.cache().isEmpty()) {
      return new Backplane(
          null,
          new InMemoryEngine(),
          SessionDirectory.LOCAL,
          new InMemoryResumeRecords(config.session().resumeTtl(), MAX_RESUME_RECORDS, System::nanoTime),
          perProfile == 0 ? ProfileRates.UNLIMITED : ProfileEventRate.local(perProfile, System::currentTimeMillis));
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
    return new Backplane(
        redis,
        engine,
        directory,
        new RedisResumeRecords(redis, config.session().resumeTtl()),
        perProfile == 0 ? ProfileRates.UNLIMITED : ProfileEventRate.shared(perProfile, System::currentTimeMillis, redis));
  }

  Engine engine() {
    return engine;
  }

  SessionDirectory directory() {
    return directory;
  }

  ResumeRecords resumes() {
    return resumes;
  }

  /** Events per profile per second ({@code MAX_PROFILE_EVENTS_PER_SECOND}), shared through Redis when configured. */
  ProfileRates rates() {
    return rates;
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
