package io.chatgateway.gateway.http;

import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.JwtVerifier;
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
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The gateway's HTTP port. Routes: {@code /ws} (the WebSocket bridge), {@code /healthz}, {@code
 * /readyz}, {@code /metrics} (Prometheus), {@code /chat.v1.ChatService/*} (the Connect protocol), {@code /dev/token} (development
 * mode only), and {@code /}, the demo page (static files packed in the jar under {@code web/}).
 */
public final class HttpServer implements AutoCloseable {

  private final Undertow undertow;

  /**
   * @param webSocket handler of {@code /ws}
   * @param devSecret the development-mode secret, or null outside development mode (no token route)
   * @param grpcServing whether the gRPC server is up and not draining
   * @param breaker the upstream breaker's state
   * @param engineHealthy whether the engine delivers
   */
  public HttpServer(
      HttpConfig config,
      HttpHandler webSocket,
      Channel upstream,
      TracePropagation tracing,
      Telemetry telemetry,
      JwtVerifier verifier,
      AuthConfig auth,
      byte[] devSecret,
      BooleanSupplier grpcServing,
      Supplier<CircuitBreaker.State> breaker,
      BooleanSupplier engineHealthy,
      ConcurrencyLimit connectRequests,
      ScheduledExecutorService scheduler) {
    OriginPolicy origins = new OriginPolicy(config.allowedOrigins());
    ResourceHandler page =
        Handlers.resource(new ClassPathResourceManager(HttpServer.class.getClassLoader(), "web")).addWelcomeFiles("index.html");
    PathHandler routes =
        Handlers.path(page)
            .addExactPath("/ws", webSocket)
            .addExactPath("/healthz", HealthHandlers.liveness())
            .addExactPath("/readyz", HealthHandlers.readiness(grpcServing, breaker, engineHealthy))
            .addExactPath("/metrics", exchange -> {
              exchange.getResponseHeaders().put(io.undertow.util.Headers.CONTENT_TYPE, telemetry.contentType());
              exchange.getResponseSender().send(telemetry.scrape());
            })
            .addPrefixPath(ConnectProtocolHandler.PREFIX, new ConnectProtocolHandler(upstream, tracing, verifier, origins, connectRequests, scheduler));
    if (devSecret != null) {
      routes.addExactPath("/dev/token", DevTokenHandler.create(devSecret, auth));
    }
    int cores = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.undertow =
        Undertow.builder()
            .addHttpListener(config.port(), "0.0.0.0")
            .setIoThreads(cores)
            .setWorkerThreads(cores * 4)
            .setHandler(routes)
            .build();
  }

  public void start() {
    undertow.start();
  }

  /** The bound port (useful with HTTP_PORT=0). */
  public int port() {
    return ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
  }

  @Override
  public void close() {
    undertow.stop();
  }
}
