package io.chatgateway.gateway;

import io.chatgateway.client.ChatServiceClient;
import io.chatgateway.gateway.tls.TlsMaterial;
import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.gateway.config.GatewayConfig;
import io.grpc.Server;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The core this gateway forwards to: a remote one at {@code CHAT_SERVICE_URI}, or the embedded
 * in-memory core served in process, which publishes through this gateway's engine. Either way the
 * gateway reaches it through {@link ChatServiceClient}s (identity, breaker, deadline, retries) that
 * share one breaker.
 *
 * <p>A remote core is reached by two clients. The devices' unary calls, relayed as they come, go
 * out through {@link #forwarding()}: a connection per device event loop, so a call is written and
 * its answer read on the loop that took it, with no hop between threads (what a bare grpc-java
 * proxy does). The sessions' calls, and the gateway's own, go through {@link #client()}, whose
 * connection has an I/O thread of its own: a storm of devices subscribing at once keeps the device
 * loops busy, and the core's answers must not wait behind it (on the device loops 2,258 of 10,000
 * devices never subscribed, bench/results/forwarding-loop-affine.md). An embedded core has one client.
 *
 * <p>Lifecycle: {@link #start} connects and starts the breaker's recovery probe; {@link #close}
 * waits up to a second for calls in flight, then stops the clients and the embedded core. The
 * device loops must outlive this.
 */
final class Upstream implements AutoCloseable {

  private static final java.util.logging.Logger log = java.util.logging.Logger.getLogger(Upstream.class.getName());

  private final ChatServiceClient client;
  private final ChatServiceClient forwarding; // client itself with the embedded core
  private final Server embeddedCore; // null with a remote core
  private final TlsMaterial tls; // null without TLS files for the core

  private Upstream(ChatServiceClient client, ChatServiceClient forwarding, Server embeddedCore, TlsMaterial tls) {
    this.client = client;
    this.forwarding = forwarding;
    this.embeddedCore = embeddedCore;
    this.tls = tls;
  }

  /**
   * @param deviceLoops the gRPC server's event loops, where devices' unary calls start; a remote
   *     core gets a connection on each for {@link #forwarding()}
   */
  static Upstream start(GatewayConfig config, Engine engine, CircuitBreaker breaker, ScheduledExecutorService scheduler, EventLoopGroup deviceLoops)
      throws IOException {
    Upstream upstream;
    if (config.chatServiceTarget().isPresent()) {
      if (config.upstream().serviceCredentials().isPresent() && !config.upstream().useTls()) {
        log.warning("the gateway's token for the core travels in plaintext: set CHAT_SERVICE_TLS=true unless the network between them is private");
      }
      TlsMaterial tls = config.coreTls().map(files -> TlsMaterial.load(files, TlsMaterial.Role.CLIENT)).orElse(null);
      String target = config.chatServiceTarget().get();
      ChatServiceClient client =
          tls == null
              ? ChatServiceClient.connect(target, config.upstream(), breaker)
              : ChatServiceClient.connect(target, tls.channelCredentials(), config.upstream(), breaker);
      // The same breaker and service token: one token serves both clients.
      ChatServiceClient forwarding = tls == null ? client.onLoops(target, deviceLoops) : client.onLoops(target, tls.channelCredentials(), deviceLoops);
      if (tls != null) {
        tls.watch(scheduler); // a rotated client certificate is used from the next connection on
        log.info(() -> "TLS to the core: " + tls.describe());
      }
      upstream = new Upstream(client, forwarding, null, tls);
    } else {
      String name = "embedded-core-" + config.gatewayId();
      Server core =
          InProcessServerBuilder.forName(name)
              .directExecutor() // the core never blocks: it only takes short per-room locks
              .addService(new EmbeddedChatService(new ChatCore(engine, Clock.systemUTC(), config.gatewayId())).bindWithIdentity())
              .build()
              .start();
      ChatServiceClient client = ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), config.upstream(), breaker);
      upstream = new Upstream(client, client, core, null);
    }
    // The embedded core too: with the Redis engine, its sends fail while Redis is away and open the
    // breaker; nothing else would close it again while a NOT_SERVING gateway gets no device traffic.
    upstream.client.startRecoveryProbe(scheduler, config.upstream().breakerOpenDuration());
    return upstream;
  }

  /** For the sessions' calls and the gateway's own (and the recovery probe's). */
  ChatServiceClient client() {
    return client;
  }

  /** For the devices' unary calls, relayed on the loop that took them (see the class comment). */
  ChatServiceClient forwarding() {
    return forwarding;
  }

  /**
   * The breaker closed, so the core answered one client: the other's connections, which may be
   * waiting out a reconnect backoff (up to two minutes after a long outage), try again now rather
   * than failing calls at once meanwhile. Any thread.
   */
  void coreIsBack() {
    forwarding.resetConnectBackoff();
    client.resetConnectBackoff();
  }

  @Override
  public void close() {
    try {
      if (forwarding != client) {
        forwarding.shutdown(1_000);
      }
      client.shutdown(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    forwarding.close();
    client.close();
    if (embeddedCore != null) {
      embeddedCore.shutdownNow();
    }
    if (tls != null) {
      tls.close();
    }
  }
}
