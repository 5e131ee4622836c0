package io.chatgateway.gateway;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.ChatServiceClient;
import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.AuthInterceptor;
import io.chatgateway.gateway.auth.DevCredentials;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.bus.RedisTarget;
import io.chatgateway.gateway.forward.ForwardedChatService;
import io.chatgateway.gateway.forward.ServedHere;
import io.chatgateway.gateway.presence.PresenceLookup;
import io.chatgateway.gateway.forward.GrpcCoreCalls;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.telemetry.GatewayMetrics;
import io.chatgateway.gateway.telemetry.Telemetry;
import io.chatgateway.gateway.telemetry.TracePropagation;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.chatgateway.gateway.http.HttpServer;
import io.chatgateway.gateway.http.OriginPolicy;
import io.chatgateway.gateway.transport.websocket.WebSocketBridge;
import io.chatgateway.gateway.session.SessionServices;
import io.chatgateway.gateway.transport.grpc.ConnectHandler;
import io.grpc.Server;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import io.chatgateway.gateway.forward.SendRateInterceptor;
import io.chatgateway.gateway.limits.AddressLimits;
import io.chatgateway.gateway.limits.StreamAdmission;
import io.chatgateway.gateway.tls.TlsMaterial;
import io.chatgateway.gateway.transport.grpc.DeviceEventLoops;
import io.chatgateway.gateway.transport.grpc.GrpcServers;
import io.chatgateway.gateway.transport.grpc.HeaderTableRelease;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One running gateway, assembled from its parts: the {@link Backplane} (engine and directory), the
 * {@link Upstream} core, the session core ({@link SessionServices}), the gRPC server ({@link
 * GrpcServers}) and the HTTP server with the WebSocket bridge, and {@link Readiness}.
 *
 * <p>Lifecycle: {@link #start} builds and starts everything; {@link #close} stops it in reverse
 * order. Thread-safe; owned by whoever started it.
 */
public final class GatewayServer implements AutoCloseable {

  private static final Logger log = Logger.getLogger(GatewayServer.class.getName());

  private final GatewayConfig config;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService callExecutor;
  private final Backplane backplane;
  private final Upstream upstream;
  private final Readiness readiness;
  private final Telemetry telemetry;
  private final SessionServices sessions;
  private final Server grpcServer;
  private final DeviceEventLoops deviceLoops; // closed after grpcServer has terminated and upstream is closed
  private final HttpServer httpServer;
  private final Optional<TlsMaterial> tls;
  private final AddressLimits addressLimits;
  private volatile boolean draining;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private GatewayServer(GatewayConfig config) throws IOException {
    this.config = config;
    // Loaded before anything starts, so that a bad certificate stops start-up naming its variable.
    this.tls = config.tls().map(files -> TlsMaterial.load(files, TlsMaterial.Role.SERVER));
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "gateway-scheduler");
              thread.setDaemon(true);
              return thread;
            });
    this.backplane = Backplane.connect(config);
    Engine engine = backplane.engine();
    this.telemetry = new Telemetry(config.gatewayId(), config.otlpEndpoint());
    CircuitBreaker breaker =
        new CircuitBreaker(
            config.upstream().breakerFailureThreshold(),
            config.upstream().breakerOpenDuration(),
            System::nanoTime,
            state -> {
              log.warning(() -> "upstream circuit breaker is now " + state);
              updateHealth();
              if (state == CircuitBreaker.State.CLOSED) {
                reconnectUpstream();
              }
            });
    this.readiness = new Readiness(breaker, engine, () -> draining);
    this.deviceLoops = new DeviceEventLoops(Math.max(2, Runtime.getRuntime().availableProcessors()));
    this.upstream = Upstream.start(config, engine, breaker, scheduler, deviceLoops.workers());

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
    ConcurrencyLimit unauthenticated = new ConcurrencyLimit(config.http().maxUnauthenticatedConnections());
    ConcurrencyLimit connectRequests = new ConcurrencyLimit(config.http().maxConnectRequests());
    this.addressLimits = new AddressLimits(config.limits().maxConnectionsPerIp(), config.limits().connectionRatePerIp(), System::nanoTime);
    StreamAdmission admission = new StreamAdmission(addressLimits, config.limits().trustedProxies());
    AtomicReference<SessionServices> built = new AtomicReference<>(); // the subscriptions gauge reads it once built
    GatewayMetrics metrics =
        new GatewayMetrics(
            telemetry.meter(),
            () -> built.get() == null ? 0 : built.get().subscriptions(),
            readiness::ready,
            () -> breaker.state() == CircuitBreaker.State.OPEN,
            engine::healthy,
            engine::lagSeconds,
            unauthenticated,
            connectRequests,
            addressLimits,
            backplane.rates());
    TracePropagation tracing = new TracePropagation(telemetry, metrics);
    // Every call to the core, whoever makes it, carries trace context and is measured.
    // The profile rate is outermost: a refused send is not traced as an upstream call; it never is one.
    Channel core = ClientInterceptors.intercept(upstream.client().channel(), tracing.upstream(), new SendRateInterceptor(backplane.rates()));
    this.sessions =
        new SessionServices(
            config.gatewayId(), config.session(), GrpcCoreCalls.over(core), engine, verifier, backplane.directory(), backplane.resumes(), metrics, callExecutor, scheduler,
            Clock.systemUTC(), System::nanoTime);
    built.set(sessions);
    List<ServedHere<?, ?>> servedHere = List.of(new PresenceLookup(sessions.presence(), backplane.directory(), core));
    HeaderTableRelease headerTables = new HeaderTableRelease();
    // The devices' unary calls go out on the connection of the loop that took them (Upstream).
    Channel forwardedCore = ClientInterceptors.intercept(upstream.forwarding().channel(), tracing.upstream(), new SendRateInterceptor(backplane.rates()));
    this.grpcServer =
        GrpcServers.builder(
                config.grpcPort(),
                tls.map(TlsMaterial::serverCredentials).orElseGet(InsecureServerCredentials::create),
                headerTables,
                deviceLoops,
                callExecutor,
                verifier,
                List.of(
                    ServerInterceptors.intercept(
                        ForwardedChatService.create(forwardedCore, config.forwardMarshalling(), ConnectHandler.definition(sessions, () -> draining, admission, headerTables), servedHere),
                        new AuthInterceptor(verifier, config.principals()),
                        tracing.server()),
                    readiness.health().getHealthService().bindService(),
                    ProtoReflectionServiceV1.newInstance().bindService()),
                config.session().helloTimeout(),
                config.maxConnectionAge(),
                config.maxConnectionAgeGrace())
            .build();
    WebSocketBridge webSockets =
        new WebSocketBridge(
            sessions,
            verifier,
            new OriginPolicy(config.http().allowedOrigins()),
            () -> draining,
            scheduler,
            config.session().heartbeatInterval(),
            config.session().helloTimeout(),
            unauthenticated,
            admission,
            config.principals());
    this.httpServer =
        new HttpServer(
            config.http(),
            webSockets.handler(),
            core,
            servedHere,
            tracing,
            telemetry,
            verifier,
            config.auth(),
            devSecret,
            () -> !draining && !grpcServer.isShutdown(),
            breaker::state,
            engine::healthy,
            connectRequests,
            scheduler,
            tls,
            config.limits().proxyProtocol(),
            config.principals());
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
    } catch (IllegalStateException e) {
      server.close();
      throw new IOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      server.close();
      throw new IOException("cannot listen on HTTP_PORT " + config.http().port() + ": " + e.getMessage(), e);
    }
    server.tls.ifPresent(material -> material.watch(server.scheduler));
    server.scheduler.scheduleWithFixedDelay(server.backplane.rates()::prune, 10, 10, TimeUnit.SECONDS);
    if (server.addressLimits.enabled()) {
      server.scheduler.scheduleWithFixedDelay(server.addressLimits::prune, 10, 10, TimeUnit.SECONDS);
    }
    server.sessions.start();
    server.backplane.directory().start(server.sessions::liveSnapshots, server.sessions::isLive, server.sessions.fanout()::subscriberCounts);
    server.readiness.update();
    server.scheduler.scheduleWithFixedDelay(server.readiness::update, 250, 250, TimeUnit.MILLISECONDS);
    log.info(() -> "configuration: " + summary(config));
    log.info(
        () ->
            "gateway " + config.gatewayId() + " listening for gRPC on port " + server.grpcPort()
                + " and HTTP on port " + server.httpPort()
                + server.httpServer.internalPort().stream().mapToObj(port -> ", health and metrics on port " + port).findFirst().orElse("")
                + server.tls.map(material -> ", TLS " + material.describe()).orElse(", plaintext")
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
        + " core_credentials=" + config.upstream().serviceCredentials().map(c -> "client " + c.clientId() + " from " + c.tokenEndpoint()).orElse("none")
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

  /** The bound internal port of health and metrics, when {@code INTERNAL_PORT} is set. */
  public OptionalInt internalPort() {
    return httpServer.internalPort();
  }

  public GatewayConfig config() {
    return config;
  }

  /** The upstream client; its breaker drives readiness. */
  public ChatServiceClient upstream() {
    return upstream.client();
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
    readiness.stopServing();
    int open = sessions.openSessions();
    if (open > 0) {
      // Spread reconnects over 80% of the grace; the rest is margin for the last closes.
      Duration window = grace.multipliedBy(8).dividedBy(10);
      log.info(() -> "draining " + open + " sessions over " + window.toMillis() + " ms");
      sessions.drain(window);
      while (sessions.openSessions() > 0 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    readiness.terminate();
    httpServer.close();
    grpcServer.shutdown();
    try {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!grpcServer.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        grpcServer.shutdownNow();
        grpcServer.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      grpcServer.shutdownNow();
    }
    upstream.close(); // before the device loops, which its forwarding connections run on
    deviceLoops.close();
    sessions.close();
    backplane.close();
    tls.ifPresent(TlsMaterial::close);
    scheduler.shutdownNow();
    callExecutor.shutdownNow();
    telemetry.close();
  }

  /** Stops at once: sessions are told to reconnect now and closed. */
  @Override
  public void close() {
    shutdown(Duration.ofSeconds(2));
  }

  /** Whether this gateway should get traffic: not draining, the core reachable, the engine delivering. */
  public boolean ready() {
    return readiness.ready();
  }

  private void reconnectUpstream() {
    if (upstream != null) { // as for updateHealth
      upstream.coreIsBack();
    }
  }

  private void updateHealth() {
    if (readiness != null) { // breaker callbacks may come while the constructor still runs
      readiness.update();
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
