package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ReconnectReason;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** SIGTERM's drain: every session is told to reconnect, spread out, before its stream closes; exit in time. */
class DrainEndToEndTest {

  @Test
  void everySessionGetsAJitteredReconnectBeforeItsStreamClosesAndShutdownEndsInTime() throws Exception {
    GatewayServer server =
        GatewayServer.start(
            GatewayConfig.fromEnvironment(
                Map.of("GRPC_PORT", "0", "HTTP_PORT", "0", "JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER)));
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.grpcPort()).usePlaintext().build();
    List<DeviceClient> devices = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        DeviceClient device = DeviceClient.connect(channel, TestTokens.valid("user-" + i, "phone"), "user-" + i);
        devices.add(device);
        device.hello();
      }
      Duration grace = Duration.ofSeconds(3);
      long start = System.nanoTime();
      CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> server.shutdown(grace));

      Await.until(Duration.ofSeconds(5), () -> health(channel) != ServingStatus.SERVING, "health leaves SERVING while draining");
      Status refused = DeviceClient.connect(channel, TestTokens.valid("late", "phone"), "late").awaitClosed();
      assertEquals(Status.Code.UNAVAILABLE, refused.getCode(), "no new streams while draining: " + refused);

      Set<Long> delays = new HashSet<>();
      for (DeviceClient device : devices) {
        Status status = device.awaitClosed();
        assertEquals(Status.Code.UNAVAILABLE, status.getCode(), status.toString());
        List<ServerEvent> events = device.events();
        ServerEvent last = events.get(events.size() - 1);
        assertTrue(last.hasReconnect(), "the reconnect frame came before the close: " + events);
        assertEquals(ReconnectReason.RECONNECT_REASON_DRAIN, last.getReconnect().getReason());
        long delayMillis = Durations.toMillis(last.getReconnect().getDelay());
        assertTrue(delayMillis >= 0 && delayMillis < grace.toMillis(), "delay within the window: " + delayMillis);
        delays.add(delayMillis);
      }
      assertTrue(delays.size() > 10, "delays are spread, not all alike: " + delays);
      shutdown.get(grace.toSeconds() + 5, TimeUnit.SECONDS);
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(elapsedMillis <= grace.toMillis() + 1_000, "shutdown took " + elapsedMillis + " ms for a " + grace + " grace");
    } finally {
      devices.forEach(DeviceClient::close);
      channel.shutdownNow();
      server.close();
    }
  }

  private static ServingStatus health(ManagedChannel channel) {
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } catch (RuntimeException e) {
      return ServingStatus.UNKNOWN;
    }
  }
}
