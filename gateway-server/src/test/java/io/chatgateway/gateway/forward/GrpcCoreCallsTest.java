package io.chatgateway.gateway.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.session.CoreCalls;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Field;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A session's core calls leave nothing behind on the context the session was opened in. */
class GrpcCoreCallsTest {

  @Test
  void manyCallsLeaveNoListenersOnTheStreamsContext() throws Exception {
    String name = "core-calls-" + UUID.randomUUID();
    Server core =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new ChatServiceGrpc.ChatServiceImplBase() {
                  @Override
                  public void sendEvent(SendEventRequest request, StreamObserver<SendEventResponse> responses) {
                    responses.onNext(SendEventResponse.newBuilder().setEvent(request.getEvent()).build());
                    responses.onCompleted();
                  }
                })
            .build()
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Context.CancellableContext stream = Context.ROOT.withCancellation(); // what a gRPC stream's context is
    try {
      CoreCalls calls = stream.call(() -> GrpcCoreCalls.over(channel).open(new CallerIdentity("alice", "phone")));
      for (int i = 0; i < 1_000; i++) {
        SendEventResponse answer =
            calls.sendEvent(SendEventRequest.newBuilder().setRoomId("r").setEvent(RoomEvent.newBuilder().setRoomId("r").setClientEventId("c" + i)).build())
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertEquals("c" + i, answer.getEvent().getClientEventId());
      }
      // Each call had registered the session's context with the stream's, and never removed it.
      assertTrue(listenersOn(stream) <= 1, "listeners left on the stream's context after 1,000 calls: " + listenersOn(stream));
      calls.close();
    } finally {
      stream.cancel(null);
      channel.shutdownNow();
      core.shutdownNow();
    }
  }

  /** The stream context's own listener list; grpc-java offers no way to count it. */
  private static int listenersOn(Context.CancellableContext context) throws ReflectiveOperationException {
    Field listeners = Context.CancellableContext.class.getDeclaredField("listeners");
    listeners.setAccessible(true);
    List<?> list = (List<?>) listeners.get(context);
    return list == null ? 0 : list.size();
  }
}
