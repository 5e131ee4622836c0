package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.session.CoreCallException;
import io.chatgateway.gateway.session.CoreCalls;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A session's core calls: each carries the device's identity and runs in a context that exists only
 * while calls are in flight (an idle session keeps none, and none is left on the stream's context);
 * closing the session cancels what is in flight and refuses what comes after.
 */
class GrpcCoreCallsTest {

  private static final CallerIdentity ALICE = new CallerIdentity("alice", "phone");

  /** Answers at once, or holds the call when the event's client id starts with "hold". */
  private final Queue<StreamObserver<SendEventResponse>> held = new ConcurrentLinkedQueue<>();
  /**
   * The identity and context each call was made in, as the channel saw them (a cancellable context
   * shows itself as its uncancellable surrogate, one per cancellable context).
   */
  private final Queue<CallerIdentity> identities = new ConcurrentLinkedQueue<>();
  private final Queue<Context> contexts = new ConcurrentLinkedQueue<>();
  private Server core;
  private ManagedChannel channel;

  private CoreCalls open(CallerIdentity device) throws Exception {
    String name = "core-calls-" + UUID.randomUUID();
    core =
        InProcessServerBuilder.forName(name)
            .executor(Executors.newFixedThreadPool(4))
            .addService(
                new ChatServiceGrpc.ChatServiceImplBase() {
                  @Override
                  public void sendEvent(SendEventRequest request, StreamObserver<SendEventResponse> responses) {
                    if (request.getEvent().getClientEventId().startsWith("hold")) {
                      held.add(responses);
                      return;
                    }
                    responses.onNext(SendEventResponse.newBuilder().setEvent(request.getEvent()).build());
                    responses.onCompleted();
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
    Channel observed =
        ClientInterceptors.intercept(
            channel,
            new ClientInterceptor() {
              @Override
              public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
                identities.add(CallerIdentity.CONTEXT_KEY.get());
                contexts.add(Context.current());
                return next.newCall(method, options);
              }
            });
    return GrpcCoreCalls.over(observed).open(device);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (core != null) {
      core.shutdownNow();
    }
  }

  private static SendEventRequest event(String clientEventId) {
    return SendEventRequest.newBuilder().setRoomId("r").setEvent(RoomEvent.newBuilder().setRoomId("r").setClientEventId(clientEventId)).build();
  }

  private static SendEventResponse await(CoreCalls calls, String clientEventId) throws Exception {
    return calls.sendEvent(event(clientEventId)).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void manyCallsLeaveNoListenersOnTheStreamsContext() throws Exception {
    Context.CancellableContext stream = Context.ROOT.withCancellation(); // what a gRPC stream's context is
    try {
      CoreCalls calls = stream.call(() -> open(ALICE));
      for (int i = 0; i < 1_000; i++) {
        String id = "c" + i;
        assertEquals(id, stream.call(() -> await(calls, id)).getEvent().getClientEventId());
      }
      // Each call had registered the session's context with the stream's, and never removed it.
      assertTrue(listenersOn(stream) <= 1, "listeners left on the stream's context after 1,000 calls: " + listenersOn(stream));
      calls.close();
    } finally {
      stream.cancel(null);
    }
  }

  @Test
  void everyCallCarriesTheDevicesIdentityWhateverTheCallersContext() throws Exception {
    CoreCalls calls = open(ALICE);
    Context someoneElse = Context.ROOT.withValue(CallerIdentity.CONTEXT_KEY, new CallerIdentity("mallory", "laptop"));
    someoneElse.call(() -> await(calls, "one"));
    await(calls, "two");
    assertEquals(List.of(ALICE, ALICE), List.copyOf(identities));
  }

  @Test
  void callsInFlightTogetherShareAContextAndNoneIsKeptBetweenThem() throws Exception {
    CoreCalls calls = open(ALICE);
    CompletableFuture<SendEventResponse> first = calls.sendEvent(event("hold-1")).toCompletableFuture();
    CompletableFuture<SendEventResponse> second = calls.sendEvent(event("hold-2")).toCompletableFuture();
    awaitHeld(2);
    for (StreamObserver<SendEventResponse> call; (call = held.poll()) != null; ) {
      call.onNext(SendEventResponse.getDefaultInstance());
      call.onCompleted();
    }
    CompletableFuture.allOf(first, second).get(5, TimeUnit.SECONDS);
    await(calls, "after");
    List<Context> seen = List.copyOf(contexts);
    assertSame(seen.get(0), seen.get(1), "two calls in flight at once run in one context");
    assertNotSame(seen.get(0), seen.get(2), "a call after every call ended gets a new one: the old was let go");
  }

  @Test
  void closingCancelsCallsInFlightAndRefusesLaterOnes() throws Exception {
    CoreCalls calls = open(ALICE);
    CompletableFuture<SendEventResponse> inFlight = calls.sendEvent(event("hold")).toCompletableFuture();
    awaitHeld(1);
    calls.close();
    assertEquals(ErrorCode.ERROR_CODE_UNAVAILABLE, failureOf(inFlight).code(), "the call in flight is cancelled");
    assertEquals(ErrorCode.ERROR_CODE_UNAVAILABLE, failureOf(calls.sendEvent(event("late")).toCompletableFuture()).code(), "a call after close");
  }

  @Test
  void callsFromManyThreadsAllCompleteAndTheLastOneLetsTheContextGo() throws Exception {
    CoreCalls calls = open(ALICE);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(threads.submit(() -> {
          for (int i = 0; i < 200; i++) {
            assertEquals("t" + thread + "-" + i, await(calls, "t" + thread + "-" + i).getEvent().getClientEventId());
          }
          return null;
        }));
      }
      for (Future<?> each : done) {
        each.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    Context last = contexts.stream().reduce((a, b) -> b).orElseThrow();
    await(calls, "after");
    assertNotSame(last, List.copyOf(contexts).get(contexts.size() - 1), "nothing in flight after 1,600 calls: the context was let go");
    assertTrue(last.isCancelled(), "and cancelled, which releases its listeners");
  }

  private void awaitHeld(int count) {
    Await.until(Duration.ofSeconds(5), () -> held.size() >= count, () -> "calls held by the core: " + held.size() + " of " + count);
  }

  private static CoreCallException failureOf(CompletableFuture<?> call) throws Exception {
    try {
      call.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CoreCallException failure) {
        return failure;
      }
      throw e;
    }
    throw new AssertionError("the call succeeded");
  }

  /** The stream context's own listener list; grpc-java offers no way to count it. */
  private static int listenersOn(Context.CancellableContext context) throws ReflectiveOperationException {
    Field listeners = Context.CancellableContext.class.getDeclaredField("listeners");
    listeners.setAccessible(true);
    List<?> list = (List<?>) listeners.get(context);
    return list == null ? 0 : list.size();
  }
}
