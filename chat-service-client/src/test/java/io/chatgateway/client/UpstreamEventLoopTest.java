package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The connection to a remote core has an I/O thread of its own, over a real socket: on grpc-java's
 * shared worker group it would share an event loop with device streams, and a storm of devices
 * busy on that loop left the core's answers unread past their deadlines (the reconnect storm of
 * 10,000 devices did, before).
 */
class UpstreamEventLoopTest {

  @Test
  void theCoresAnswersArriveOnTheUpstreamThreadNotOnTheSharedWorkers() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    Server core = NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0)).addService(health.getHealthService()).build().start();
    ChatServiceClient client =
        ChatServiceClient.connect(
            "localhost:" + core.getPort(), new UpstreamConfig(Duration.ofSeconds(5), 3, Duration.ofSeconds(5), 1, false), CircuitBreaker.create(3, Duration.ofSeconds(5)));
    try {
      String thread = HealthCalls.answeredOn(client.channel(), Runnable::run);
      assertTrue(thread.startsWith("chat-upstream"), "answered on " + thread);
    } finally {
      client.close();
      core.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertEquals(
        0,
        Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("chat-upstream") && t.isAlive()).filter(t -> {
          try {
            t.join(5_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return t.isAlive();
        }).count(),
        "closing the client ends its I/O thread");
  }
}
