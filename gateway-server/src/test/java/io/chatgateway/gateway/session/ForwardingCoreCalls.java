package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link CoreCalls} that pass every call to the real ones: tests override the calls they fake or count. */
class ForwardingCoreCalls implements CoreCalls {

  protected final CoreCalls real;

  ForwardingCoreCalls(CoreCalls real) {
    this.real = real;
  }

  @Override
  public CompletionStage<SendEventResponse> sendEvent(SendEventRequest request) {
    return real.sendEvent(request);
  }

  @Override
  public CompletionStage<GetRoomResponse> getRoom(GetRoomRequest request) {
    return real.getRoom(request);
  }

  @Override
  public CompletionStage<java.util.List<io.chatgateway.proto.v1.SearchRoomsResponse>> searchRooms(io.chatgateway.proto.v1.SearchRoomsRequest request) {
    return real.searchRooms(request);
  }

  @Override
  public CompletionStage<UpdateReceiptResponse> updateReceipt(UpdateReceiptRequest request) {
    return real.updateReceipt(request);
  }

  @Override
  public CompletionStage<GetHistoryResponse> getHistory(GetHistoryRequest request) {
    return real.getHistory(request);
  }

  @Override
  public void close() {
    real.close();
  }

  /** Completes {@code answer} as a call ended: with its response, or with its failure. */
  static <T> void settle(CompletableFuture<T> answer, T response, Throwable error) {
    if (error == null) {
      answer.complete(response);
    } else {
      answer.completeExceptionally(error);
    }
  }
}
