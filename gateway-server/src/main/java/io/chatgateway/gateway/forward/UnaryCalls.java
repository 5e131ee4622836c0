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
    CompletableFuture<RespT> result = new CompletableFuture<>();
    ClientCalls.asyncUnaryCall(
        channel.newCall(method, CallOptions.DEFAULT),
        request,
        new StreamObserver<>() {
          private RespT response;

          @Override
          public void onNext(RespT value) {
            response = value;
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(response);
          }
        });
    return result;
  }

  /**
   * Starts the server-streaming {@code method} with {@code request} on {@code channel} and collects
   * every response; completes as {@link #call} does. For bounded answers only (a page of rooms).
   */
  public static <ReqT, RespT> CompletableFuture<List<RespT>> all(Channel channel, MethodDescriptor<ReqT, RespT> method, ReqT request) {
    CompletableFuture<List<RespT>> result = new CompletableFuture<>();
    ClientCalls.asyncServerStreamingCall(
        channel.newCall(method, CallOptions.DEFAULT),
        request,
        new StreamObserver<>() {
          private final List<RespT> responses = new ArrayList<>();

          @Override
          public void onNext(RespT value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(responses);
          }
        });
    return result;
  }
}
