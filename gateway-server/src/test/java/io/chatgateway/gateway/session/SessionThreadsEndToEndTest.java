package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.gateway.testing.WsClient;
import io.chatgateway.proto.v1.ServerEvent;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session runs on the thread that does its stream's I/O, so its writes need no hand-off and its
 * events gather while that thread is busy: a gRPC stream's session on its connection's Netty event
 * loop (the token verifies without blocking), a WebSocket's on its XNIO I/O thread.
 */
class SessionThreadsEndToEndTest {

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void aGrpcSessionRunsOnItsConnectionsEventLoop() {
    DeviceClient device = connections.device(TestTokens.valid("threads-grpc", "phone"), "threads-grpc");
    device.hello();
    DeviceSession session = sessionOf("threads-grpc");
    // The hello frame arrived on the loop (the whole call runs there), which placed the session.
    String thread = threadOf(session);
    assertTrue(thread.startsWith("grpc-device"), "session thread " + thread);
    device.ping();
    assertEquals(thread, threadOf(session), "always the same loop");
  }

  @Test
  void aWebSocketSessionRunsOnItsIoThread() {
    WsClient client = WsClient.connect(URI.create("ws://localhost:" + gateway.server().httpPort() + "/ws?token=" + TestTokens.valid("threads-ws", "tab")));
    client.sendText("{\"frameId\":\"h\",\"hello\":{}}");
    client.await(ServerEvent::hasReady, "ready");
    String thread = threadOf(sessionOf("threads-ws"));
    assertTrue(thread.contains("I/O"), "session thread " + thread);
    client.abort();
  }

  private static DeviceSession sessionOf(String profileId) {
    Await.until(
        Duration.ofSeconds(10),
        () -> gateway.server().sessions().registry().all().stream().anyMatch(s -> s.profileId().equals(profileId) && s.identified()),
        profileId + "'s session");
    return gateway.server().sessions().registry().all().stream().filter(s -> s.profileId().equals(profileId)).findFirst().orElseThrow();
  }

  /** The name of the thread that runs {@code session}'s next task. */
  private static String threadOf(DeviceSession session) {
    AtomicReference<String> name = new AtomicReference<>();
    CountDownLatch ran = new CountDownLatch(1);
    session.execute(() -> {
      name.set(Thread.currentThread().getName());
      ran.countDown();
    });
    try {
      assertTrue(ran.await(10, TimeUnit.SECONDS), "the session ran a task");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return name.get();
  }
}
