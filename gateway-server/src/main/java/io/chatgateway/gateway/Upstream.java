package io.chatgateway.gateway;

import io.chatgateway.client.ChatServiceClient;
import io.chatgateway.gateway.tls.TlsMaterial;
import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.gateway.config.GatewayConfig;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The core this gateway forwards to: a remote one at {@code CHAT_SERVICE_URI}, or the embedded
 * in-memory core served in process, which publishes through this gateway's engine. Either way the
 * gateway reaches it through one {@link ChatServiceClient} (identity, breaker, deadline, retries).
 *
 * <p>Lifecycle: {@link #start} connects and starts the breaker's recovery probe; {@link #close}
 * waits up to a second for calls in flight, then stops the client and the embedded core.
 */
final class Upstream implements AutoCloseable {

  private static final java.util.logging.Logger log = java.util.logging.Logger.getLogger(Upstream.class.getName());

  private final ChatServiceClient client;
  private final Server embeddedCore; // null with a remote core
  private final TlsMaterial tls; // null without TLS files for the core

  private Upstream(ChatServiceClient client, Server embeddedCore, TlsMaterial tls) {
    this.client = client;
    this.embeddedCore = embeddedCore;
    this.tls = tls;
  }

  static Upstream start(GatewayConfig config, Engine engine, CircuitBreaker breaker, ScheduledExecutorService scheduler) throws IOException {
    Upstream upstream;
    if (config.chatServiceTarget().isPresent()) {
      if (config.upstream().serviceCredentials().isPresent() && !config.upstream().useTls()) {
        log.warning("the gateway's token for the core travels in plaintext: set CHAT_SERVICE_TLS=true unless the network between them is private");
      }
      TlsMaterial tls = config.coreTls().map(files -> TlsMaterial.load(files, TlsMaterial.Role.CLIENT)).orElse(null);
      ChatServiceClient client =
          tls == null
              ? ChatServiceClient.connect(config.chatServiceTarget().get(), config.upstream(), breaker)
              : ChatServiceClient.connect(config.chatServiceTarget().get(), tls.channelCredentials(), config.upstream(), breaker);
      if (tls != null) {
        tls.watch(scheduler); // a rotated client certificate is used from the next connection on
        log.info(() -> "TLS to the core: " + tls.describe());
      }
      upstream = new Upstream(client, null, tls);
    } else {
      String name = "embedded-core-" + config.gatewayId();
      Server core =
          InProcessServerBuilder.forName(name)
              .directExecutor() // the core never blocks: it only takes short per-room locks
              .addService(new EmbeddedChatService(new ChatCore(engine, Clock.systemUTC(), config.gatewayId())).bindWithIdentity())
              .build()
              .start();
      upstream = new Upstream(ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), config.upstream(), breaker), core, null);
    }
    // The embedded core too: with the Redis engine, its sends fail while Redis is away and open the
    // breaker; nothing else would close it again while a NOT_SERVING gateway gets no device traffic.
    upstream.client.startRecoveryProbe(scheduler, config.upstream().breakerOpenDuration());
    return upstream;
  }

  ChatServiceClient client() {
    return client;
  }

  @Override
  public void close() {
    try {
      client.shutdown(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    client.close();
    if (embeddedCore != null) {
      embeddedCore.shutdownNow();
    }
    if (tls != null) {
      tls.close();
    }
  }
}
