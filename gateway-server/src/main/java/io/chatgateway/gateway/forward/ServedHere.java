package io.chatgateway.gateway.forward;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A unary method of {@code chat.v1.ChatService} the gateway answers itself rather than relaying it to
 * the core, on every transport that serves unary calls (gRPC, the Connect protocol).
 *
 * @param <ReqT> the request message
 * @param <RespT> the response message
 */
public interface ServedHere<ReqT, RespT> {

  /** The method, with the protobuf marshallers of its messages. */
  MethodDescriptor<ReqT, RespT> method();

  /**
   * Answers {@code request} in the current {@link io.grpc.Context}, which carries the caller's
   * identity and deadline. Must not block. Fails with a {@link StatusRuntimeException} for whatever
   * the caller should be told.
   */
  CompletionStage<RespT> answer(ReqT request);

  /** The status a failed answer tells the caller: its own, or INTERNAL (logged) for a bug. */
  static Status statusOf(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof StatusRuntimeException || cause instanceof StatusException) {
      return Status.fromThrowable(cause);
    }
    Logger.getLogger(ServedHere.class.getName()).log(Level.WARNING, "answering a call failed", cause);
    return Status.INTERNAL.withDescription("the gateway could not answer; see its log");
  }

  /** The gRPC definition that serves {@code served}. */
  static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> definition(ServedHere<ReqT, RespT> served) {
    return ServerMethodDefinition.create(
        served.method(),
        ServerCalls.asyncUnaryCall(
            (request, response) ->
                served.answer(request).whenComplete((answer, failure) -> {
                  if (failure == null) {
                    response.onNext(answer);
                    response.onCompleted();
                  } else {
                    response.onError(statusOf(failure).asRuntimeException());
                  }
                })));
  }
}
