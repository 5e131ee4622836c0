package io.chatgateway.gateway.session;

import io.chatgateway.client.CallerIdentity;
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
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The core as one device session sees it: the calls a device stream makes, made as that device. The
 * session's port to the core, so the session core knows nothing of the RPC library behind it.
 *
 * <p>Results complete on any thread (the session hops to its own executor); a failed call completes
 * exceptionally with a {@link CoreCallException}. Lifecycle: {@link Factory#open} when the session
 * opens; the session calls {@link #close} once when it ends, which cancels the calls in flight.
 */
public interface CoreCalls {

  CompletionStage<SendEventResponse> sendEvent(SendEventRequest request);

  CompletionStage<GetRoomResponse> getRoom(GetRoomRequest request);

  CompletionStage<UpdateReceiptResponse> updateReceipt(UpdateReceiptRequest request);

  CompletionStage<GetHistoryResponse> getHistory(GetHistoryRequest request);

  /** Every room the search streams (a page: at most its limit). */
  CompletionStage<List<SearchRoomsResponse>> searchRooms(SearchRoomsRequest request);

  /** Cancels every call still in flight; results not yet delivered fail. Called once. */
  void close();

  /** Opens a session's {@link CoreCalls}; thread-safe. */
  @FunctionalInterface
  interface Factory {
    /**
     * Calls made as {@code device}, and nothing else of the thread that opens the session: not the
     * gRPC stream's context nor its cancellation (see {@code GrpcCoreCalls}: the session closes its
     * calls when it ends).
     */
    CoreCalls open(CallerIdentity device);
  }
}
