package io.chatgateway.gateway.http;

import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.forward.ServedHere;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.ServicePrincipals;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.telemetry.Telemetry;
import io.chatgateway.gateway.telemetry.TracePropagation;
import io.grpc.Channel;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.chatgateway.gateway.tls.TlsMaterial;
import io.undertow.server.handlers.ResponseCodeHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The gateway's HTTP port. Routes: {@code /ws} (the WebSocket bridge), {@code /healthz}, {@code
 * /readyz}, {@code /metrics} (Prometheus), {@code /chat.v1.ChatService/*} (the Connect protocol and gRPC-Web), {@code /dev/token} (development
 * mode only), and {@code /}, the demo page (static files packed in the jar under {@code web/}).
 *
 * <p>With TLS the port speaks HTTPS and {@code wss} only. With {@code INTERNAL_PORT} set, {@code
 * /healthz}, {@code /readyz} and {@code /metrics} move to that port, plaintext and only there: probes
 * and scrapers need no client certificate, and the internet-facing port shows no metrics.
 */
public final class HttpServer implements AutoCloseable {

  private final Undertow undertow;
  private final Undertow internal;
  private final HttpConfig config;

  /**
   * @param webSocket handler of {@code /ws}
   * @param servedHere unary methods the gateway answers itself; the others go to {@code upstream}
   * @param devSecret the development-mode secret, or null outside development mode (no token route)
   * @param grpcServing whether the gRPC server is up and not draining
   * @param breaker the upstream breaker's state
   * @param engineHealthy whether the engine delivers
   * @param tls the port's TLS, or empty for plaintext
   * @param proxyProtocol every connection to the port starts with a PROXY protocol header naming the
   *     client (an L4 load balancer's); the internal port never expects one
   * @param principals what service principals may do on the Connect protocol
   */
  public HttpServer(
      HttpConfig config,
      HttpHandler webSocket,
      Channel upstream,
      List<ServedHere<?, ?>> servedHere,
      TracePropagation tracing,
      Telemetry telemetry,
      JwtVerifier verifier,
      AuthConfig auth,
      byte[] devSecret,
      BooleanSupplier grpcServing,
      Supplier<CircuitBreaker.State> breaker,
      BooleanSupplier engineHealthy,
      ConcurrencyLimit connectRequests,
      ScheduledExecutorService scheduler,
      Optional<TlsMaterial> tls,
      boolean proxyProtocol,
      ServicePrincipals principals) {
    this.config = config;
    OriginPolicy origins = new OriginPolicy(config.allowedOrigins());
    ResourceHandler page =
        Handlers.resource(new ClassPathResourceManager(HttpServer.class.getClassLoader(), "web")).addWelcomeFiles("index.html");
    PathHandler routes =
        Handlers.path(page)
            .addExactPath("/ws", webSocket)
            .addPrefixPath(RpcHandler.PREFIX, new RpcHandler(upstream, servedHere, tracing, verifier, origins, connectRequests, scheduler, principals));
    if (devSecret != null) {
      routes.addExactPath("/dev/token", DevTokenHandler.create(devSecret, auth));
    }
    PathHandler operations = config.internalPort().isPresent() ? Handlers.path(ResponseCodeHandler.HANDLE_404) : routes;
    operations
        .addExactPath("/healthz", HealthHandlers.liveness())
        .addExactPath("/readyz", HealthHandlers.readiness(grpcServing, breaker, engineHealthy))
        .addExactPath("/metrics", exchange -> {
          exchange.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_TYPE, telemetry.contentType());
          exchange.getResponseSender().send(telemetry.scrape());
        });
    int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
    Undertow.Builder builder = Undertow.builder().setIoThreads(cores).setWorkerThreads(cores * 4).setHandler(routes);
    Undertow.ListenerBuilder listener = new Undertow.ListenerBuilder().setPort(config.port()).setHost("0.0.0.0").setUseProxyProtocol(proxyProtocol);
    if (tls.isPresent()) {
      listener.setType(Undertow.ListenerType.HTTPS).setSslContext(tls.get().sslContext());
      if (tls.get().requiresClientCertificates()) {
        builder.setSocketOption(Options.SSL_CLIENT_AUTH_MODE, SslClientAuthMode.REQUIRED);
      }
    } else {
      listener.setType(Undertow.ListenerType.HTTP);
    }
    builder.addListener(listener);
    this.undertow = builder.build();
    // One I/O thread is plenty for probes and scrapes, and keeps them off the devices' threads.
    this.internal =
        config.internalPort().isEmpty()
            ? null
            : Undertow.builder().addHttpListener(config.internalPort().getAsInt(), "0.0.0.0").setIoThreads(1).setWorkerThreads(2).setHandler(operations).build();
  }

  public void start() {
    undertow.start();
    if (internal != null) {
      try {
        internal.start();
      } catch (RuntimeException e) {
        undertow.stop();
        throw new IllegalStateException("cannot listen on INTERNAL_PORT " + config.internalPort().getAsInt() + ": " + e.getMessage(), e);
      }
    }
  }

  /** The bound port (useful with HTTP_PORT=0). */
  public int port() {
    return boundPort(undertow);
  }

  /** The bound internal port, when {@code INTERNAL_PORT} is set (useful with 0). */
  public OptionalInt internalPort() {
    return internal == null ? OptionalInt.empty() : OptionalInt.of(boundPort(internal));
  }

  private static int boundPort(Undertow server) {
    return ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
  }

  @Override
  public void close() {
    if (internal != null) {
      internal.stop();
    }
    undertow.stop();
  }
}
