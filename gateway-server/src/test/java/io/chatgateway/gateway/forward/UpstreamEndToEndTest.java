package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.CoreServer;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A gateway in front of a core on its own socket: failure, fail-fast, recovery, deadlines. */
class UpstreamEndToEndTest {

  static final int CORE_PORT = freePort();
  static volatile CoreServer core = startCore();

  static final AtomicReference<Deadline> recordedDeadline = new AtomicReference<>();
  static final Server recordingCore = startRecordingCore();

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.withEnv(
          Map.of(
              "CHAT_SERVICE_URI", "localhost:" + CORE_PORT,
              "UPSTREAM_BREAKER_FAILURES", "2",
              "UPSTREAM_BREAKER_OPEN_MS", "200",
              "UPSTREAM_TIMEOUT_MS", "2000"));

  @RegisterExtension
  static final GatewayExtension recorded =
      GatewayExtension.withEnv(
          Map.of("CHAT_SERVICE_URI", "localhost:" + recordingCore.getPort(), "UPSTREAM_TIMEOUT_MS", "3000"));

  @AfterAll
  static void stopCores() {
    core.close();
    recordingCore.shutdownNow();
  }

  @Test
  void failsFastWhileTheCoreIsDownAndRecoversWhenItReturns() throws Exception {
    assertEquals("alice", createRoom().getCreatedBy());

    core.close();
    // Calls that reach for the dead core fail UNAVAILABLE until the breaker has seen enough.
    AtomicReference<String> lastFailure = new AtomicReference<>();
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          lastFailure.set(failures());
          return gateway.server().upstream().breaker().state() == CircuitBreaker.State.OPEN;
        },
        () -> "breaker opens after failed calls; last call: " + lastFailure.get());
    assertTrue(lastFailure.get().contains("UNAVAILABLE"), lastFailure.get());
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, UpstreamEndToEndTest::createRoom);
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("circuit open"), refused.getStatus().toString());
    Await.until(Duration.ofSeconds(10), () -> health() == ServingStatus.NOT_SERVING, "gRPC health reports NOT_SERVING");

    core = CoreServer.start(CORE_PORT, envelope -> {}, "core-2");
    // No device calls now: the recovery probe alone must notice the core is back.
    Await.until(Duration.ofSeconds(15), () -> health() == ServingStatus.SERVING, "health recovers without traffic");
    assertEquals(CircuitBreaker.State.CLOSED, gateway.server().upstream().breaker().state());
    assertEquals("alice", createRoom().getCreatedBy());
  }

  @Test
  void theDevicesDeadlineReachesTheCoreAndTheGatewayCapsMissingOnes() {
    ChatServiceGrpc.ChatServiceBlockingStub alice = recorded.as("alice");
    String roomId = alice.createRoom(CreateRoomRequest.newBuilder().setName("deadlines").build()).getRoom().getId();

    alice.withDeadlineAfter(400, TimeUnit.MILLISECONDS).getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build());
    long left = recordedDeadline.get().timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(left <= 400, "the device's 400 ms deadline propagates, core saw " + left + " ms");

    ChatServiceGrpc.newBlockingStub(recorded.channel())
        .withCallCredentials(GatewayExtension.bearer(io.chatgateway.gateway.testing.TestTokens.valid("alice", "phone")))
        .getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build());
    left = recordedDeadline.get().timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(left > 400 && left <= 3_000, "no device deadline: UPSTREAM_TIMEOUT_MS applies, core saw " + left + " ms");
  }

  private static io.chatgateway.proto.v1.Room createRoom() {
    return gateway.as("alice").createRoom(CreateRoomRequest.newBuilder().setName("upstream").build()).getRoom();
  }

  /** Makes a call so the breaker sees the outage; returns its status for the failure message. */
  private static String failures() {
    try {
      createRoom();
      return "call succeeded";
    } catch (StatusRuntimeException e) {
      return e.getStatus().toString();
    }
  }

  private static ServingStatus health() {
    try {
      return HealthGrpc.newBlockingStub(gateway.channel())
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService("chat.v1.ChatService").build())
          .getStatus();
    } catch (StatusRuntimeException e) {
      return ServingStatus.UNKNOWN;
    }
  }

  private static CoreServer startCore() {
    try {
      return CoreServer.start(CORE_PORT, envelope -> {}, "core-1");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Server startRecordingCore() {
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            recordedDeadline.set(Context.current().getDeadline());
            return Contexts.interceptCall(Context.current(), call, headers, next);
          }
        };
    try {
      return NettyServerBuilder.forPort(0)
          .addService(
              ServerInterceptors.intercept(
                  new EmbeddedChatService(new ChatCore(envelope -> {}, Clock.systemUTC(), "recording")).bindWithIdentity(),
                  recorder))
          .build()
          .start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
