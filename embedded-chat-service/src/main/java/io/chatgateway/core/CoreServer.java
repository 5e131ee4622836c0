package io.chatgateway.core;

import static java.util.Objects.requireNonNull;

import io.chatgateway.bus.EventPublisher;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The embedded core as a network service of its own, so several gateways can share one core
 * ({@code CHAT_SERVICE_URI}). Serves {@code chat.v1.ChatService} and the standard health service.
 *
 * <p>The core trusts the caller identity in the metadata: expose this port to gateways only.
 */
public final class CoreServer implements AutoCloseable {

  private final Server server;
  private final ChatCore core;
  private final HealthStatusManager health = new HealthStatusManager();

  private CoreServer(int port, ChatCore core) {
    this.core = core;
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress(port))
            .directExecutor() // the core never blocks on I/O; per-room locks are held for microseconds
            .addService(new EmbeddedChatService(core).bindWithIdentity())
            .addService(health.getHealthService())
            .build();
  }

  /** Starts a core on {@code port} (0 for any free port) publishing accepted changes to {@code publisher}. */
  public static CoreServer start(int port, EventPublisher publisher, String originId) throws IOException {
    requireNonNull(publisher, "publisher");
    return start(port, new ChatCore(publisher, Clock.systemUTC(), originId));
  }

  /** Starts {@code core} on {@code port} (0 for any free port); closing the server closes the core. */
  public static CoreServer start(int port, ChatCore core) throws IOException {
    requireNonNull(core, "core");
    CoreServer server = new CoreServer(port, core);
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
