package io.chatgateway.core;

import static java.util.Objects.requireNonNull;

import io.chatgateway.bus.EventPublisher;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The embedded core as a network service of its own, so several gateways can share one core
 * ({@code CHAT_SERVICE_URI}). Serves {@code chat.v1.ChatService} and the standard health service.
 *
 * <p>The core believes the caller identity in the metadata of every call its caller check lets
 * through: with {@link #TRUST_EVERY_CALLER}, expose this port to gateways only.
 */
public final class CoreServer implements AutoCloseable {

  /** For a core only gateways can reach: their identity metadata is believed as sent. */
  public static final ServerInterceptor TRUST_EVERY_CALLER =
      new ServerInterceptor() {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
          return next.startCall(call, headers);
        }
      };

  private final Server server;
  private final ChatCore core;
  private final HealthStatusManager health = new HealthStatusManager();

  private CoreServer(int port, ChatCore core, ServerInterceptor callerCheck, Executor executor, ServerCredentials credentials) {
    this.core = core;
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(port), credentials);
    if (executor == null) {
      builder.directExecutor(); // the core never blocks on I/O; per-room locks are held for microseconds
    } else {
      builder.executor(executor);
    }
    this.server =
        builder
            // The check runs first: whoever it refuses never gets the identity metadata read.
            .addService(ServerInterceptors.intercept(new EmbeddedChatService(core).bindWithIdentity(), callerCheck))
            // Unchecked: kubelet probes carry no token.
            .addService(health.getHealthService())
            .build();
  }

  /** Starts a core on {@code port} (0 for any free port) publishing accepted changes to {@code publisher}. */
  public static CoreServer start(int port, EventPublisher publisher, String originId) throws IOException {
    requireNonNull(publisher, "publisher");
    return start(port, new ChatCore(publisher, Clock.systemUTC(), originId));
  }

  /**
   * Starts {@code core} on {@code port} (0 for any free port), trusting every caller's identity
   * metadata; closing the server closes the core.
   */
  public static CoreServer start(int port, ChatCore core) throws IOException {
    return start(port, core, TRUST_EVERY_CALLER, null, InsecureServerCredentials.create());
  }

  /**
   * Starts {@code core} on {@code port}, where {@code callerCheck} decides, before anything else, which
   * calls may act for the user their metadata names.
   *
   * @param executor where calls run; null for the transport thread, which suits checks that never
   *     block
   * @param credentials TLS (with client certificates for mTLS) or plaintext
   */
  public static CoreServer start(int port, ChatCore core, ServerInterceptor callerCheck, Executor executor, ServerCredentials credentials) throws IOException {
    requireNonNull(core, "core");
    requireNonNull(callerCheck, "callerCheck");
    requireNonNull(credentials, "credentials");
    CoreServer server = new CoreServer(port, core, callerCheck, executor, credentials);
    server.server.start();
    server.health.setStatus("", ServingStatus.SERVING);
    return server;
  }

  public int port() {
    return server.getPort();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    core.close();
  }
}
