package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
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
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's decorations, against a scripted core over the in-process transport. */
class ChatServiceClientTest {

  private final ScriptedCore core = new ScriptedCore();
  private final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
  private final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();
  private final ScheduledExecutorService deadlineTimer = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private ChatServiceClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            lastHeaders.set(headers);
            lastDeadline.set(Context.current().getDeadline());
            return Contexts.interceptCall(Context.current(), call, headers, next);
          }
        };
    server = InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(core, recorder)).build().start();
    UpstreamConfig config = new UpstreamConfig(Duration.ofSeconds(2), 3, Duration.ofMinutes(1), 3, false);
    client = ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), config, CircuitBreaker.create(3, Duration.ofMinutes(1)));
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdownNow();
    deadlineTimer.shutdownNow();
  }

  @Test
  void callerIdentityTravelsInMetadataAndOnlyFromTheContext() throws Exception {
    Context.current()
        .withValue(CallerIdentity.CONTEXT_KEY, new CallerIdentity("alice", "phone"))
        .call(() -> client.blockingStub().getRoom(GetRoomRequest.newBuilder().setRoomId("r").build()));
    assertEquals("alice", lastHeaders.get().get(CallerIdentity.PROFILE_ID_KEY));
    assertEquals("phone", lastHeaders.get().get(CallerIdentity.DEVICE_ID_KEY));

    client.blockingStub().getRoom(GetRoomRequest.newBuilder().setRoomId("r").build());
    assertNull(lastHeaders.get().get(CallerIdentity.PROFILE_ID_KEY), "no identity outside a served call");
  }

  @Test
  void everyCallGetsTheConfiguredDeadlineUnlessTheCallersIsSooner() throws Exception {
    client.blockingStub().getRoom(GetRoomRequest.getDefaultInstance());
    long left = lastDeadline.get().timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(left > 1_000 && left <= 2_000, "configured 2 s deadline, saw " + left + " ms");

    Context.current()
        .withDeadlineAfter(300, TimeUnit.MILLISECONDS, deadlineTimer)
        .call(() -> client.blockingStub().getRoom(GetRoomRequest.getDefaultInstance()));
    left = lastDeadline.get().timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(left <= 300, "the caller's 300 ms deadline wins, saw " + left + " ms");

    client.blockingStub().withDeadlineAfter(1, TimeUnit.MINUTES).getRoom(GetRoomRequest.getDefaultInstance());
    left = lastDeadline.get().timeRemaining(TimeUnit.MILLISECONDS);
    assertTrue(left <= 2_000, "a longer caller deadline is capped at 2 s, saw " + left + " ms");
  }

  @Test
  void idempotentReadsAreRetriedOnUnavailableButSendsAreNot() {
    core.failNext.set(2);
    GetRoomResponse room = client.blockingStub().getRoom(GetRoomRequest.newBuilder().setRoomId("r").build());
    assertEquals("r", room.getRoom().getId());
    assertEquals(3, core.getRoomCalls.get(), "two failures and the success");

    core.failNext.set(1);
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> client.blockingStub().sendEvent(SendEventRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(1, core.sendEventCalls.get(), "a send is never repeated by the gateway");
  }

  @Test
  void oneReadAttemptMeansNoRetryAndStillMakesAClient() {
    // UPSTREAM_READ_ATTEMPTS=1 is allowed, but gRPC refuses a retry policy of one attempt.
    String name = InProcessServerBuilder.generateName();
    Server single;
    try {
      single = InProcessServerBuilder.forName(name).directExecutor().addService(core).build().start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    UpstreamConfig config = new UpstreamConfig(Duration.ofSeconds(2), 3, Duration.ofMinutes(1), 1, false);
    try (ChatServiceClient once = ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), config, CircuitBreaker.create(3, Duration.ofMinutes(1)))) {
      core.failNext.set(1);
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> once.blockingStub().getRoom(GetRoomRequest.newBuilder().setRoomId("r").build()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertEquals(1, core.getRoomCalls.get(), "not retried");
    } finally {
      single.shutdownNow();
    }
  }

  @Test
  void theBreakerFailsFastOnceTheCoreKeepsFailing() {
    core.failNext.set(Integer.MAX_VALUE);
    for (int i = 0; i < 3; i++) {
      assertThrows(StatusRuntimeException.class, () -> client.blockingStub().sendEvent(SendEventRequest.getDefaultInstance()));
    }
    assertEquals(3, core.sendEventCalls.get());
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> client.blockingStub().sendEvent(SendEventRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("circuit open"), refused.getStatus().toString());
    assertEquals(3, core.sendEventCalls.get(), "the refused call never reached the core");
    assertEquals(CircuitBreaker.State.OPEN, client.breaker().state());
  }

  /** Answers GetRoom and SendEvent, failing the next {@code failNext} calls with UNAVAILABLE. */
  private static final class ScriptedCore extends ChatServiceGrpc.ChatServiceImplBase {
    final AtomicInteger failNext = new AtomicInteger();
    final AtomicInteger getRoomCalls = new AtomicInteger();
    final AtomicInteger sendEventCalls = new AtomicInteger();

    @Override
    public void getRoom(GetRoomRequest request, StreamObserver<GetRoomResponse> response) {
      getRoomCalls.incrementAndGet();
      if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        response.onError(Status.UNAVAILABLE.withDescription("scripted").asRuntimeException());
        return;
      }
      response.onNext(GetRoomResponse.newBuilder().setRoom(Room.newBuilder().setId(request.getRoomId())).build());
      response.onCompleted();
    }

    @Override
    public void sendEvent(SendEventRequest request, StreamObserver<SendEventResponse> response) {
      sendEventCalls.incrementAndGet();
      if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        response.onError(Status.UNAVAILABLE.withDescription("scripted").asRuntimeException());
        return;
      }
      response.onNext(SendEventResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
