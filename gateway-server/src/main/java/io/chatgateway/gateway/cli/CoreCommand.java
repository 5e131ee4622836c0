package io.chatgateway.gateway.cli;

import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisEventPublisher;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.TrustedGatewayInterceptor;
import io.chatgateway.gateway.tls.TlsConfig;
import io.chatgateway.gateway.tls.TlsMaterial;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@code core}: the embedded in-memory core as a process of its own, shared by several gateways
 * (they set {@code CHAT_SERVICE_URI} to it). It publishes accepted events to Redis ({@code
 * CACHE_URI}, required), from where every gateway with subscribers receives them. Listens on {@code
 * CORE_PORT} (default 50052). With {@code CORE_DATA_FILE} it keeps every change in that file and
 * starts from it, so it survives a restart; without, it lives in memory.
 *
 * <p>A call may act for the user its metadata names only with a token of a gateway: one of {@code
 * CORE_TRUSTED_CLIENTS}, verified with the devices' key source and issuers for the audience {@code
 * CORE_JWT_AUDIENCE}. {@code CORE_TRUST_NETWORK=true} instead believes every caller, for networks
 * where only gateways reach the core; one of the two is required.
 */
public final class CoreCommand {

  private static final Logger log = Logger.getLogger(CoreCommand.class.getName());

  private CoreCommand() {}

  /** A running core and its Redis connection; closing stops both. */
  public record Running(CoreServer server, RedisConnector redis, Optional<TlsMaterial> tls, ScheduledExecutorService scheduler) implements AutoCloseable {
    public int port() {
      return server.port();
    }

    @Override
    public void close() {
      server.close();
      redis.close();
      tls.ifPresent(TlsMaterial::close);
      scheduler.shutdownNow();
    }
  }

  /** Starts the core; returns it running. The caller owns it. */
  public static Running start(Map<String, String> environment) throws java.io.IOException {
    EnvReader env = new EnvReader(environment);
    RedisTarget target =
        GatewayConfig.cacheTarget(env)
            .orElseThrow(() -> new ConfigException("CACHE_URI: required for the standalone core; gateways receive its events through Redis"));
    int port = env.integer("CORE_PORT", 50052, 0, 65535);
    Optional<TlsConfig> tlsFiles = TlsConfig.corePort(env);
    CallerCheck check = callerCheck(env, tlsFiles.flatMap(TlsConfig::caFile).isPresent());
    Optional<TlsMaterial> tls = tlsFiles.map(files -> TlsMaterial.load(files, TlsMaterial.Role.SERVER));
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
      core = CoreServer.start(port, chat, check.interceptor(), check.executor(), tls.map(TlsMaterial::serverCredentials).orElseGet(InsecureServerCredentials::create));
    } catch (java.io.IOException e) {
      redis.close();
      throw new java.io.IOException("cannot listen on CORE_PORT " + port + ": " + e.getMessage(), e);
    }
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(runnable -> {
          Thread thread = new Thread(runnable, "core-tls-reload");
          thread.setDaemon(true);
          return thread;
        });
    tls.ifPresent(material -> material.watch(scheduler));
    log.info(
        () -> "chat core listening on port " + core.port() + ", publishing to " + target.display()
            + (dataFile.isEmpty() ? ", in memory only" : ", " + chat.roomCount() + " rooms recovered from " + dataFile)
            + ", " + check.description()
            + tls.map(material -> ", TLS " + material.describe()).orElse(", plaintext"));
    return new Running(core, redis, tls, scheduler);
  }

  /** Who may act for users, where its calls run, and how to say so in the log. */
  private record CallerCheck(ServerInterceptor interceptor, Executor executor, String description) {}

  /** @param clientCertificates whether the port takes only clients with a certificate of CORE_TLS_CLIENT_CA_FILE */
  private static CallerCheck callerCheck(EnvReader env, boolean clientCertificates) {
    List<String> trusted = env.list("CORE_TRUSTED_CLIENTS");
    boolean trustNetwork = env.bool("CORE_TRUST_NETWORK", false);
    if (trustNetwork && !trusted.isEmpty()) {
      throw new ConfigException("CORE_TRUSTED_CLIENTS and CORE_TRUST_NETWORK: set only one (gateways' tokens, or the network alone)");
    }
    if (trustNetwork) {
      log.warning("CORE_TRUST_NETWORK=true: the core believes the caller identity of anyone who reaches its port; only gateways may (NetworkPolicy)");
      return new CallerCheck(CoreServer.TRUST_EVERY_CALLER, null, "trusting every caller (CORE_TRUST_NETWORK)");
    }
    if (trusted.isEmpty() && clientCertificates) {
      // The handshake already refused everyone without a gateway's certificate.
      return new CallerCheck(CoreServer.TRUST_EVERY_CALLER, null, "trusting callers with a client certificate of CORE_TLS_CLIENT_CA_FILE");
    }
    if (trusted.isEmpty()) {
      throw new ConfigException(
          "CORE_TRUSTED_CLIENTS: required: the OAuth2 client ids of the gateways (their JWT_CLIENT_ID), whose tokens the core verifies"
              + " with OAUTH2_JWKS_URI or JWT_HMAC_SECRET for the audience CORE_JWT_AUDIENCE; or gateways' client certificates"
              + " (CORE_TLS_CLIENT_CA_FILE); or CORE_TRUST_NETWORK=true where only gateways can reach the core");
    }
    AuthConfig devices = AuthConfig.fromEnvironment(env);
    if (devices.devMode()) {
      throw new ConfigException("CORE_TRUSTED_CLIENTS: the gateways' tokens need a key source: set OAUTH2_JWKS_URI or JWT_HMAC_SECRET (or JWT_HMAC_SECRET_FILE)");
    }
    AuthConfig gateways = devices.withAudience(env.string("CORE_JWT_AUDIENCE", "service_chat_core"));
    // With a JWKS a token of a new key waits for a fetch: off the event loop, then.
    Executor executor = gateways.jwksUri().isPresent() ? ForkJoinPool.commonPool() : null;
    return new CallerCheck(
        new TrustedGatewayInterceptor(JwtVerifier.create(gateways, null), Set.copyOf(trusted)),
        executor,
        "acting for users only with tokens of " + trusted + " for audience " + gateways.audience());
  }
}
