package io.chatgateway.gateway;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.ChatServiceClient;
import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.AuthInterceptor;
import io.chatgateway.gateway.auth.DevCredentials;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.gateway.engine.InMemoryEngine;
import io.chatgateway.gateway.engine.RedisDirectory;
import io.chatgateway.gateway.engine.RedisEngine;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.gateway.forward.ForwardedChatService;
import io.chatgateway.gateway.forward.GrpcCoreCalls;
import io.chatgateway.gateway.telemetry.GatewayMetrics;
import io.chatgateway.gateway.telemetry.Telemetry;
import io.chatgateway.gateway.telemetry.TracePropagation;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.chatgateway.gateway.http.HttpServer;
import io.chatgateway.gateway.http.OriginPolicy;
import io.chatgateway.gateway.transport.websocket.UnauthenticatedConnections;
import io.chatgateway.gateway.transport.websocket.WebSocketBridge;
import io.chatgateway.gateway.session.SessionServices;
import io.chatgateway.gateway.transport.grpc.ConnectHandler;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One running gateway: the gRPC server, the upstream client (to a remote core, or to the embedded
 * core in this process), the engine, and health.
 *
 * <p>Lifecycle: {@link #start} builds and starts everything; {@link #close} stops it in reverse
 * order. Thread-safe; owned by whoever started it.
 */
public final class GatewayServer implements AutoCloseable {

  private static final Logger log = Logger.getLogger(GatewayServer.class.getName());
  private static final String SERVICE_NAME = ChatServiceGrpc.SERVICE_NAME;

  private final GatewayConfig config;
  private final RedisConnector redis; // null with the in-memory engine
  private final Engine engine;
  private final SessionDirectory directory;
  private final Server embeddedCore; // null with a remote core
  private final ChatServiceClient upstream;
  private final HealthStatusManager health;
  private final Telemetry telemetry;
  private final Server grpcServer;
  private final ExecutorService callExecutor;
  private final ScheduledExecutorService scheduler;
  private final SessionServices sessions;
  private final HttpServer httpServer;
  private volatile boolean draining;
  private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

  private GatewayServer(GatewayConfig config) throws IOException {
    this.config = config;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-scheduler");
              thread.setDaemon(true);
              return thread;
            });
    if (config.cache().isPresent()) {
      try {
        this.redis = RedisConnector.connect(config.cache().get(), config.redisCommandTimeout());
      } catch (RuntimeException e) {
        throw new IOException("cannot reach Redis at CACHE_URI " + config.cache().get().display() + ": " + e.getMessage(), e);
      }
      RedisEngine redisEngine = new RedisEngine(redis, config.gatewayId());
      this.engine = redisEngine;
      this.directory =
          new RedisDirectory(
              redis,
              redisEngine,
              config.gatewayId(),
              config.session().connectionTimeout().multipliedBy(2),
              config.gatewayHeartbeat(),
              config.session().presenceTtl(),
              Clock.systemUTC());
    } else {
      this.redis = null;
      this.engine = new InMemoryEngine();
      this.directory = SessionDirectory.LOCAL;
    }
    this.health = new HealthStatusManager();
    this.telemetry = new Telemetry(config.gatewayId(), config.otlpEndpoint());

    CircuitBreaker breaker =
        new CircuitBreaker(
            config.upstream().breakerFailureThreshold(),
            config.upstream().breakerOpenDuration(),
            System::nanoTime,
            this::onBreakerState);
    if (config.chatServiceTarget().isPresent()) {
      this.embeddedCore = null;
      this.upstream = ChatServiceClient.connect(config.chatServiceTarget().get(), config.upstream(), breaker);
    } else {
      String name = "embedded-core-" + config.gatewayId();
      ChatCore core = new ChatCore(engine, Clock.systemUTC(), config.gatewayId());
      this.embeddedCore =
          InProcessServerBuilder.forName(name)
              .directExecutor() // the core never blocks: it only takes short per-room locks
              .addService(new EmbeddedChatService(core).bindWithIdentity())
              .build()
              .start();
      this.upstream = ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), config.upstream(), breaker);
    }
    // The embedded core too: with the Redis engine, its sends fail while Redis is away and open the
    // breaker; nothing else would close it again while a NOT_SERVING gateway gets no device traffic.
    upstream.startRecoveryProbe(scheduler, config.upstream().breakerOpenDuration());

    byte[] devSecret = devSecretIfNeeded(config.auth());
    JwtVerifier verifier = JwtVerifier.create(config.auth(), devSecret);
    // Application callbacks never block (forwarding is asynchronous), so a small work-stealing pool
    // serves every call; grpc-java's default cached pool would grow a thread per concurrent call.
    this.callExecutor =
        new ForkJoinPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            ForkJoinPool.defaultForkJoinWorkerThreadFactory,
            null,
            true);
    UnauthenticatedConnections unauthenticated = new UnauthenticatedConnections(config.http().maxUnauthenticatedConnections());
    SessionServices[] sessionsRef = new SessionServices[1]; // the subscriptions gauge reads it once built
    GatewayMetrics metrics =
        new GatewayMetrics(
            telemetry.meter(),
            () -> sessionsRef[0] == null ? 0 : sessionsRef[0].subscriptions(),
            () -> upstream.breaker().state() == CircuitBreaker.State.OPEN,
            engine::healthy,
            engine::lagSeconds,
            unauthenticated::open);
    TracePropagation tracing = new TracePropagation(telemetry, metrics);
    // Every call to the core, whoever makes it, carries trace context and is measured.
    Channel core = ClientInterceptors.intercept(upstream.channel(), tracing.upstream());
    this.sessions =
        new SessionServices(
            config.gatewayId(), config.session(), GrpcCoreCalls.over(core), engine, verifier, directory, metrics, callExecutor, scheduler, Clock.systemUTC(), System::nanoTime);
    sessionsRef[0] = sessions;
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.grpcPort()))
            .executor(callExecutor)
            .addService(
                ServerInterceptors.intercept(
                    ForwardedChatService.create(core, config.forwardMarshalling(), ConnectHandler.definition(sessions, () -> draining)),
                    new AuthInterceptor(verifier),
                    tracing.server()))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .maxInboundMessageSize(4 * 1024 * 1024)
            .maxConcurrentCallsPerConnection(100)
            // RST_STREAM flood protection (CVE-2023-44487): at most 200 resets per 10 s per connection.
            .maxRstFramesPerWindow(200, 10)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            // A connection must open a call within the hello window, and one with no call left for
            // that long gets GOAWAY (clients reconnect on their next call): nobody holds a connection
            // without ever authenticating.
            .maxConnectionIdle(config.session().helloTimeout().toMillis(), TimeUnit.MILLISECONDS);
    if (!config.maxConnectionAge().isZero()) {
      builder
          .maxConnectionAge(config.maxConnectionAge().toSeconds(), TimeUnit.SECONDS)
          .maxConnectionAgeGrace(config.maxConnectionAgeGrace().toSeconds(), TimeUnit.SECONDS);
    }
    this.grpcServer = builder.build();
    WebSocketBridge webSockets =
        new WebSocketBridge(
            sessions,
            verifier,
            new OriginPolicy(config.http().allowedOrigins()),
            () -> draining,
            scheduler,
            config.session().heartbeatInterval(),
            config.session().helloTimeout(),
            unauthenticated);
    this.httpServer =
        new HttpServer(
            config.http(),
            webSockets.handler(),
            core,
            tracing,
            telemetry,
            verifier,
            config.auth(),
            devSecret,
            () -> !draining && !grpcServer.isShutdown(),
            upstream.breaker()::state,
            engine::healthy,
            scheduler);
  }

  /** Builds and starts a gateway; throws when the port cannot be bound. */
  public static GatewayServer start(GatewayConfig config) throws IOException {
    requireNonNull(config, "config");
    GatewayServer server = new GatewayServer(config);
    try {
      server.grpcServer.start();
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on GRPC_PORT " + config.grpcPort() + ": " + e.getMessage(), e);
    }
    try {
      server.httpServer.start();
    } catch (RuntimeException e) {
      server.close();
      throw new IOException("cannot listen on HTTP_PORT " + config.http().port() + ": " + e.getMessage(), e);
    }
    server.sessions.start();
    server.directory.start(server.sessions::liveSnapshots, server.sessions::isLive, server.sessions.fanout()::subscriberCounts);
    server.updateHealth();
    server.scheduler.scheduleWithFixedDelay(server::updateHealth, 250, 250, TimeUnit.MILLISECONDS);
    log.info(() -> "configuration: " + summary(config));
    log.info(
        () ->
            "gateway " + config.gatewayId() + " listening for gRPC on port " + server.grpcPort()
                + " and HTTP on port " + server.httpPort()
                + ", core: " + config.chatServiceTarget().orElse("embedded (in-memory)")
                + ", engine: " + config.cache().map(RedisTarget::display).orElse("in-memory")
                + ", forwarding: " + config.forwardMarshalling());
    return server;
  }

  /** The configuration in one line, without secrets. */
  static String summary(GatewayConfig config) {
    String auth = config.auth().jwksUri().map(uri -> "jwks " + uri).orElse(config.auth().hmacSecret().isPresent() ? "hmac secret" : "development mode");
    return "gateway_id=" + config.gatewayId()
        + " grpc_port=" + config.grpcPort()
        + " http_port=" + config.http().port()
        + " core=" + config.chatServiceTarget().orElse("embedded")
        + " engine=" + config.cache().map(RedisTarget::display).orElse("in-memory")
        + " auth=" + auth
        + " issuers=" + config.auth().acceptedIssuers()
        + " audience=" + config.auth().audience()
        + " max_connections_per_device=" + config.session().maxConnectionsPerDevice()
        + " max_events_per_second=" + config.session().maxEventsPerSecond()
        + " max_channels_per_socket=" + config.session().maxRoomsPerSession()
        + " connection_timeout=" + config.session().connectionTimeout().toSeconds() + "s"
        + " shutdown_grace=" + config.shutdownGrace().toSeconds() + "s"
        + " tracing=" + config.otlpEndpoint().map(Object::toString).orElse("not exported");
  }

  /** The bound gRPC port (useful with GRPC_PORT=0). */
  public int grpcPort() {
    return grpcServer.getPort();
  }

  /** The bound HTTP port (useful with HTTP_PORT=0). */
  public int httpPort() {
    return httpServer.port();
  }

  public GatewayConfig config() {
    return config;
  }

  /** The upstream client; its breaker drives readiness. */
  public ChatServiceClient upstream() {
    return upstream;
  }

  /** Device sessions and their shared state. */
  public SessionServices sessions() {
    return sessions;
  }

  /** Blocks until the gRPC server has terminated. */
  public void awaitTermination() throws InterruptedException {
    grpcServer.awaitTermination();
  }

  /**
   * Graceful drain, as on SIGTERM. Health turns NOT_SERVING and new device streams are refused. Every
   * open session gets a {@code reconnect} with its own random delay within most of {@code grace}, and
   * its stream closes with UNAVAILABLE when that delay is up. Then the server stops, and whatever is
   * left is cut when {@code grace} runs out. Returns when everything has stopped. Only the first
   * call does anything.
   */
  public void shutdown(Duration grace) {
    if (!stopped.compareAndSet(false, true)) {
      return; // already stopped, or stopping on another thread
    }
    long deadline = System.nanoTime() + grace.toNanos();
    draining = true;
    health.setStatus("", ServingStatus.NOT_SERVING);
    health.setStatus(SERVICE_NAME, ServingStatus.NOT_SERVING);
    int open = sessions.openSessions();
    if (open > 0) {
      // Spread reconnects over 80% of the grace; the rest is margin for the last closes.
      Duration window = grace.multipliedBy(8).dividedBy(10);
      log.info(() -> "draining " + open + " sessions over " + window.toMillis() + " ms");
      sessions.drain(window);
      while (sessions.openSessions() > 0 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    health.enterTerminalState();
    httpServer.close();
    grpcServer.shutdown();
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!grpcServer.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        grpcServer.shutdownNow();
        grpcServer.awaitTermination(2, TimeUnit.SECONDS);
      }
      upstream.shutdown(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      grpcServer.shutdownNow();
    }
    upstream.close();
    if (embeddedCore != null) {
      embeddedCore.shutdownNow();
    }
    sessions.close();
    directory.close();
    engine.close();
    if (redis != null) {
      redis.close();
    }
    scheduler.shutdownNow();
    callExecutor.shutdownNow();
    telemetry.close();
  }

  /** Stops at once: sessions are told to reconnect now and closed. */
  @Override
  public void close() {
    shutdown(Duration.ofSeconds(2));
  }

  private void onBreakerState(CircuitBreaker.State state) {
    log.warning(() -> "upstream circuit breaker is now " + state);
    updateHealth();
  }

  /** Whether this gateway should get traffic: not draining, the core reachable, the engine delivering. */
  public boolean ready() {
    // Not while a probe is in flight (HALF_OPEN): only a core known to answer makes the gateway ready.
    return !draining && upstream != null && upstream.breaker().state() == CircuitBreaker.State.CLOSED && engine.healthy();
  }

  private volatile ServingStatus lastHealth;

  /** Mirrors {@link #ready()} into gRPC health; called on breaker changes and every 250 ms. */
  private synchronized void updateHealth() {
    if (stopped.get()) {
      return;
    }
    ServingStatus status = ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    if (status != lastHealth) {
      ServingStatus previous = lastHealth;
      lastHealth = status;
      health.setStatus("", status);
      health.setStatus(SERVICE_NAME, status);
      if (status == ServingStatus.NOT_SERVING && previous == ServingStatus.SERVING && !draining) {
        log.warning(() -> "not ready: breaker " + upstream.breaker().state() + ", engine " + (engine.healthy() ? "delivering" : "not delivering"));
      } else if (status == ServingStatus.SERVING) {
        log.info("ready");
      }
    }
  }

  private static byte[] devSecretIfNeeded(AuthConfig auth) {
    if (!auth.devMode()) {
      return null;
    }
    byte[] secret = DevCredentials.loadOrCreateSecret(auth.devSecretFile());
    String token =
        DevCredentials.mint(secret, AuthConfig.DEV_ISSUER, auth.audience(), "dev-user", "dev-device", Duration.ofHours(12));
    log.warning(
        "DEVELOPMENT MODE: neither OAUTH2_JWKS_URI nor JWT_HMAC_SECRET is set. Tokens are signed with a"
            + " generated secret kept in " + auth.devSecretFile() + ". Never run this in production.\n"
            + "  Mint a token:  java -jar gateway-server/target/chat-gateway.jar token --sub alice\n"
            + "  A token for 'dev-user', valid 12 h: " + token);
    return secret;
  }
}
