package io.chatgateway.gateway.forward;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.session.CoreCallException;
import io.chatgateway.gateway.session.CoreCalls;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A device session's {@link CoreCalls} over a gRPC channel to the core. Each session's calls run in
 * one cancellable context, carrying the device's identity, made on the first call from the context
 * the session was opened in (the gRPC stream's, with its trace context; the root for a WebSocket)
 * with that context's values but not its cancellation; {@link #close}, which the session calls when
 * it ends however it ends, cancels it. Failures become {@link CoreCallException}s with the stream's
 * error code for the status. Thread-safe.
 *
 * <p>Why not a child that inherits the stream's cancellation: grpc-java's {@code CancellableContext}
 * registers a child with its cancellable ancestor each time the child's first listener arrives
 * (every call is one) and, when the child's last listener leaves, fails to remove that registration
 * again, so a device that sent 100,000 events left 100,000 listeners on its stream's context, and
 * every call's end scanned them (12% of the gateway's CPU in a fan-out profile).
 */
public final class GrpcCoreCalls implements CoreCalls {

  private final Channel core;
  private final Context opener;
  private final CallerIdentity device;
  // Made on the first call: an idle session would pay for a child context and its parent listener.
  private Context.CancellableContext context; // guarded by this
  private boolean closed; // guarded by this

  private GrpcCoreCalls(Channel core, Context opener, CallerIdentity device) {
    this.core = core;
    this.opener = opener;
    this.device = device;
  }

  /** Sessions' core calls over {@code core} (decorated with identity, deadline and breaker). */
  public static CoreCalls.Factory over(Channel core) {
    requireNonNull(core, "core");
    return device -> new GrpcCoreCalls(core, Context.current(), device);
  }

  @Override
  public CompletionStage<SendEventResponse> sendEvent(SendEventRequest request) {
    return call(ChatServiceGrpc.getSendEventMethod(), request);
  }

  @Override
  public CompletionStage<GetRoomResponse> getRoom(GetRoomRequest request) {
    return call(ChatServiceGrpc.getGetRoomMethod(), request);
  }

  @Override
  public CompletionStage<UpdateReceiptResponse> updateReceipt(UpdateReceiptRequest request) {
    return call(ChatServiceGrpc.getUpdateReceiptMethod(), request);
  }

  @Override
  public CompletionStage<GetHistoryResponse> getHistory(GetHistoryRequest request) {
    return call(ChatServiceGrpc.getGetHistoryMethod(), request);
  }

  @Override
  public CompletionStage<List<SearchRoomsResponse>> searchRooms(SearchRoomsRequest request) {
    return start(() -> UnaryCalls.all(core, ChatServiceGrpc.getSearchRoomsMethod(), request));
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (context != null) {
      context.cancel(null);
    }
  }

  private synchronized Context.CancellableContext context() {
    if (context == null) {
      context = opener.fork().withValue(CallerIdentity.CONTEXT_KEY, device).withCancellation();
      if (closed) {
        context.cancel(null);
      }
    }
    return context;
  }

  private <ReqT, RespT> CompletionStage<RespT> call(MethodDescriptor<ReqT, RespT> method, ReqT request) {
    return start(() -> UnaryCalls.call(core, method, request));
  }

  /** Starts a call in the session's context, its failure a {@link CoreCallException}. */
  private <T> CompletionStage<T> start(java.util.concurrent.Callable<CompletableFuture<T>> call) {
    CompletableFuture<T> started;
    try {
      started = context().call(call);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(failure(e));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    started.whenComplete(
        (response, error) -> {
          if (error == null) {
            result.complete(response);
          } else {
            result.completeExceptionally(failure(error));
          }
        });
    return result;
  }

  private static CoreCallException failure(Throwable error) {
    Status status = Status.fromThrowable(error);
    String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
    return new CoreCallException(codeFor(status.getCode()), message);
  }

  /** The stream error code for a status the core answered with. */
  static ErrorCode codeFor(Status.Code status) {
    return switch (status) {
      case PERMISSION_DENIED -> ErrorCode.ERROR_CODE_PERMISSION_DENIED;
      case NOT_FOUND -> ErrorCode.ERROR_CODE_NOT_FOUND;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, OUT_OF_RANGE -> ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
      case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED -> ErrorCode.ERROR_CODE_UNAVAILABLE;
      case UNAUTHENTICATED -> ErrorCode.ERROR_CODE_UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED -> ErrorCode.ERROR_CODE_RATE_LIMITED;
      default -> ErrorCode.ERROR_CODE_INTERNAL;
    };
  }
}
