package io.chatgateway.gateway.config;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import static java.util.Objects.requireNonNull;

import io.chatgateway.bus.RedisTarget;
import io.chatgateway.client.ClientCredentials;
import io.chatgateway.client.UpstreamConfig;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.ServicePrincipals;
import io.chatgateway.gateway.forward.ForwardedChatService.Marshalling;
import io.chatgateway.gateway.http.HttpConfig;
import io.chatgateway.gateway.limits.LimitsConfig;
import io.chatgateway.gateway.session.SessionConfig;
import io.chatgateway.gateway.tls.TlsConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Everything the gateway is configured with, read once from the environment at start-up.
 *
 * @param gatewayId unique id of this instance ({@code GATEWAY_ID}, generated when unset)
 * @param grpcPort port of the gRPC server ({@code GRPC_PORT}, 0 picks a free one)
 * @param chatServiceTarget the core's {@code host:port} ({@code CHAT_SERVICE_URI}); empty means the
 *     embedded in-memory core in this process
 * @param forwardMarshalling how forwarded calls are relayed ({@code FORWARD_MARSHALLING}:
 *     {@code pass_through}, the default, or {@code parsed}; a benchmark knob)
 * @param shutdownGrace {@code SHUTDOWN_GRACE_SEC}: from SIGTERM to exit; sessions are told to
 *     reconnect, spread over most of it
 * @param maxConnectionAge {@code MAX_CONNECTION_AGE_SEC}: HTTP/2 connections older than this are
 *     asked to reconnect (zero: never), which rebalances devices across instances
 * @param maxConnectionAgeGrace {@code MAX_CONNECTION_AGE_GRACE_SEC}: how long streams of such a
 *     connection may continue
 * @param http the HTTP port's settings
 * @param cache {@code CACHE_URI}: the Redis engine ({@code redis://}, {@code rediss://}, {@code
 *     redis-cluster://}); empty means the in-memory engine of a single instance
 * @param gatewayHeartbeat {@code GATEWAY_HEARTBEAT_SEC}: how often this gateway refreshes its Redis
 *     entries; a gateway silent for 3 heartbeats is reaped by the others
 * @param redisCommandTimeout {@code REDIS_COMMAND_TIMEOUT_MS}: timeout of every Redis command
 * @param otlpEndpoint {@code OTEL_EXPORTER_OTLP_ENDPOINT}: where traces go over OTLP/HTTP; empty:
 *     nowhere
 * @param principals what service principals may do ({@code SERVICE_ACT_AS_SCOPE}, {@code SERVICE_STREAMS})
 * @param limits bounds per client address, and how the address is known behind proxies
 * @param coreTls the gateway's TLS files for a remote core ({@code CHAT_SERVICE_CA_FILE}, {@code
 *     CHAT_SERVICE_CERT_FILE}, {@code CHAT_SERVICE_KEY_FILE}, with {@code CHAT_SERVICE_TLS}); empty:
 *     the system's CAs and no client certificate, or plaintext
 * @param tls TLS on both device ports ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}, {@code
 *     TLS_CLIENT_CA_FILE}); empty: plaintext
 */
public record GatewayConfig(
    String gatewayId,
    int grpcPort,
    Optional<String> chatServiceTarget,
    UpstreamConfig upstream,
    AuthConfig auth,
    Marshalling forwardMarshalling,
    SessionConfig session,
    Duration shutdownGrace,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace,
    HttpConfig http,
    Optional<RedisTarget> cache,
    Duration gatewayHeartbeat,
    Duration redisCommandTimeout,
    Optional<java.net.URI> otlpEndpoint,
    ServicePrincipals principals,
    LimitsConfig limits,
    Optional<TlsConfig> coreTls,
    Optional<TlsConfig> tls) {

  private static final Pattern GATEWAY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public GatewayConfig {
    requireNonNull(gatewayId, "gatewayId");
    requireNonNull(chatServiceTarget, "chatServiceTarget");
    requireNonNull(upstream, "upstream");
    requireNonNull(auth, "auth");
    requireNonNull(forwardMarshalling, "forwardMarshalling");
    requireNonNull(session, "session");
    requireNonNull(shutdownGrace, "shutdownGrace");
    requireNonNull(maxConnectionAge, "maxConnectionAge");
    requireNonNull(maxConnectionAgeGrace, "maxConnectionAgeGrace");
    requireNonNull(http, "http");
    requireNonNull(cache, "cache");
    requireNonNull(gatewayHeartbeat, "gatewayHeartbeat");
    requireNonNull(redisCommandTimeout, "redisCommandTimeout");
    requireNonNull(otlpEndpoint, "otlpEndpoint");
    requireNonNull(principals, "principals");
    requireNonNull(limits, "limits");
    requireNonNull(coreTls, "coreTls");
    requireNonNull(tls, "tls");
  }

  /** Parses CACHE_URI; shared with the standalone core's configuration. */
  public static Optional<RedisTarget> cacheTarget(EnvReader env) {
    Optional<String> raw = env.optional("CACHE_URI");
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(RedisTarget.parse(raw.get()));
    } catch (IllegalArgumentException e) {
      throw EnvReader.invalid("CACHE_URI", "redis://[:password@]host:port[/db], rediss://... or redis-cluster://h1:p1,h2:p2 (" + e.getMessage() + ")", raw.get().replaceAll("://[^@/]*@", "://***@"));
    }
  }

  private static Marshalling marshalling(EnvReader env) {
    String raw = env.string("FORWARD_MARSHALLING", "pass_through");
    return switch (raw.toLowerCase(java.util.Locale.ROOT)) {
      case "pass_through" -> Marshalling.PASS_THROUGH;
      case "parsed" -> Marshalling.PARSED;
      default -> throw EnvReader.invalid("FORWARD_MARSHALLING", "pass_through or parsed", raw);
    };
  }

  /** The gateway's own OAuth2 client for calls to a remote core, if configured. */
  private static Optional<ClientCredentials> serviceCredentials(EnvReader env) {
    Optional<java.net.URI> endpoint = env.uri("OAUTH2_TOKEN_ENDPOINT", "https", "http");
    Optional<String> clientId = env.optional("JWT_CLIENT_ID");
    Optional<String> secret = env.secret("JWT_CLIENT_SECRET");
    if (endpoint.isEmpty()) {
      if (clientId.isPresent() || secret.isPresent()) {
        throw new ConfigException("JWT_CLIENT_ID and JWT_CLIENT_SECRET: need OAUTH2_TOKEN_ENDPOINT, where the gateway gets its token for the core");
      }
      return Optional.empty();
    }
    if (clientId.isEmpty()) {
      throw new ConfigException("JWT_CLIENT_ID: required with OAUTH2_TOKEN_ENDPOINT");
    }
    if (secret.isEmpty()) {
      throw new ConfigException("JWT_CLIENT_SECRET (or JWT_CLIENT_SECRET_FILE): required with OAUTH2_TOKEN_ENDPOINT");
    }
    if (env.optional("CHAT_SERVICE_URI").isEmpty()) {
      throw new ConfigException("OAUTH2_TOKEN_ENDPOINT: the gateway's token is for a remote core; set CHAT_SERVICE_URI too (the embedded core runs in this process)");
    }
    return Optional.of(new ClientCredentials(endpoint.get(), clientId.get(), secret.get(), env.optional("OAUTH2_CLIENT_SCOPE")));
  }

  /** Reads and validates every variable; throws {@link ConfigException} naming the first bad one. */
  public static GatewayConfig fromEnvironment(Map<String, String> environment) {
    EnvReader env = new EnvReader(environment);
    String gatewayId = env.string("GATEWAY_ID", "gw-" + UUID.randomUUID().toString().substring(0, 8));
    if (!GATEWAY_ID.matcher(gatewayId).matches()) {
      throw EnvReader.invalid("GATEWAY_ID", "1 to 64 characters of [A-Za-z0-9._-]", gatewayId);
    }
    UpstreamConfig upstream =
        new UpstreamConfig(
            Duration.ofMillis(env.integer("UPSTREAM_TIMEOUT_MS", 5_000, 10, 300_000)),
            env.integer("UPSTREAM_BREAKER_FAILURES", 5, 1, 1_000),
            Duration.ofMillis(env.integer("UPSTREAM_BREAKER_OPEN_MS", 5_000, 10, 600_000)),
            env.integer("UPSTREAM_READ_ATTEMPTS", 3, 1, 5),
            env.bool("CHAT_SERVICE_TLS", false),
            serviceCredentials(env));
    return new GatewayConfig(
        gatewayId,
        env.integer("GRPC_PORT", 50051, 0, 65535),
        env.hostPort("CHAT_SERVICE_URI"),
        upstream,
        AuthConfig.fromEnvironment(env),
        marshalling(env),
        SessionConfig.fromEnvironment(env),
        Duration.ofSeconds(env.integer("SHUTDOWN_GRACE_SEC", 30, 1, 3_600)),
        Duration.ofSeconds(env.integer("MAX_CONNECTION_AGE_SEC", 0, 0, 30 * 86_400)),
        Duration.ofSeconds(env.integer("MAX_CONNECTION_AGE_GRACE_SEC", 30, 0, 86_400)),
        HttpConfig.fromEnvironment(env),
        cacheTarget(env),
        Duration.ofSeconds(env.integer("GATEWAY_HEARTBEAT_SEC", 5, 1, 300)),
        Duration.ofMillis(env.integer("REDIS_COMMAND_TIMEOUT_MS", 2_000, 10, 60_000)),
        env.uri("OTEL_EXPORTER_OTLP_ENDPOINT", "http", "https"),
        ServicePrincipals.fromEnvironment(env),
        LimitsConfig.fromEnvironment(env),
        TlsConfig.coreClient(env, upstream.useTls()),
        TlsConfig.devicePorts(env));
  }
}
