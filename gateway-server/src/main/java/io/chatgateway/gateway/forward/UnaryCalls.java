package io.chatgateway.gateway.forward;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One call to the core as a future (unary, or server-streaming with every response collected): the
 * one adapter the device session and the Connect protocol share. The call is made in the current {@link io.grpc.Context}, so it carries that
 * context's identity and deadline and is cancelled with it.
 */
public final class UnaryCalls {

  private UnaryCalls() {}

  /**
   * Starts {@code method} with {@code request} on {@code channel}. The future completes on the
   * channel's callback thread with the response, or exceptionally with the call's {@link
   * io.grpc.StatusRuntimeException}; callers that own state hop to their own executor.
   */
  public static <ReqT, RespT> CompletableFuture<RespT> call(Channel channel, MethodDescriptor<ReqT, RespT> method, ReqT request) {
    Responses<RespT> responses = new Responses<>();
    ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT), request, responses);
    // Not thenApply: that would wrap the call's StatusRuntimeException in a CompletionException.
    CompletableFuture<RespT> result = new CompletableFuture<>();
    responses.done.whenComplete((all, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(all.isEmpty() ? null : all.get(0));
      }
    });
    return result;
  }

  /**
   * Starts the server-streaming {@code method} with {@code request} on {@code channel} and collects
   * every response; completes as {@link #call} does. For bounded answers only (a page of rooms).
   */
  public static <ReqT, RespT> CompletableFuture<List<RespT>> all(Channel channel, MethodDescriptor<ReqT, RespT> method, ReqT request) {
    Responses<RespT> responses = new Responses<>();
    ClientCalls.asyncServerStreamingCall(channel.newCall(method, CallOptions.DEFAULT), request, responses);
    return responses.done;
  }

  /** A call's responses, completed with all of them when it ends, or with its failure. */
  private static final class Responses<RespT> implements StreamObserver<RespT> {
    final CompletableFuture<List<RespT>> done = new CompletableFuture<>();
    private final List<RespT> received = new ArrayList<>(1);

    @Override
    public void onNext(RespT value) {
      received.add(value);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(received);
    }
  }
}
