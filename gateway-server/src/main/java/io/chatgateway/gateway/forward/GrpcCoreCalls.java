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
 * A device session's {@link CoreCalls} over a gRPC channel to the core. Calls run in a cancellable
 * context carrying the device's identity, made from the root context when a call starts and none is
 * in flight, and let go when the last call in flight ends: an idle session keeps no context (a
 * device stream's own context carries nothing a core call needs: streams are not traced, and the
 * identity is the device's). {@link #close}, which the session calls when it ends however it ends,
 * cancels the calls in flight; calls after it fail. Failures become {@link CoreCallException}s with
 * the stream's error code for the status. Thread-safe.
 *
 * <p>Why not a child of the stream's context: grpc-java's {@code CancellableContext} registers a
 * child with its cancellable ancestor each time the child's first listener arrives (every call is
 * one) and, when the child's last listener leaves, fails to remove that registration again, so a
 * device that sent 100,000 events left 100,000 listeners on its stream's context, and every call's
 * end scanned them (12% of the gateway's CPU in a fan-out profile).
 */
public final class GrpcCoreCalls implements CoreCalls {

  private final Channel core;
  private final CallerIdentity device;
  private Context.CancellableContext context; // guarded by this; only while calls are in flight
  private int inFlight; // guarded by this
  private boolean closed; // guarded by this

  private GrpcCoreCalls(Channel core, CallerIdentity device) {
    this.core = core;
    this.device = device;
  }

  /** Sessions' core calls over {@code core} (decorated with identity, deadline and breaker). */
  public static CoreCalls.Factory over(Channel core) {
    requireNonNull(core, "core");
    return device -> new GrpcCoreCalls(core, device);
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

  /** The context for a call starting now; every call of it must {@link #leave} it once. */
  private synchronized Context.CancellableContext enter() {
    if (context == null) {
      context = Context.ROOT.withValue(CallerIdentity.CONTEXT_KEY, device).withCancellation();
      if (closed) {
        context.cancel(null);
      }
    }
    inFlight++;
    return context;
  }

  private synchronized void leave(Context.CancellableContext left) {
    if (--inFlight == 0 && context == left) {
      context = null;
      left.cancel(null); // nothing runs in it any more; cancelling only lets go of its listeners
    }
  }

  private <ReqT, RespT> CompletionStage<RespT> call(MethodDescriptor<ReqT, RespT> method, ReqT request) {
    return start(() -> UnaryCalls.call(core, method, request));
  }

  /** Starts a call in the session's context, its failure a {@link CoreCallException}. */
  private <T> CompletionStage<T> start(java.util.concurrent.Callable<CompletableFuture<T>> call) {
    Context.CancellableContext context = enter();
    CompletableFuture<T> started;
    try {
      started = context.call(call);
    } catch (Exception e) {
      leave(context);
      return CompletableFuture.failedFuture(failure(e));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    started.whenComplete(
        (response, error) -> {
          leave(context);
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
