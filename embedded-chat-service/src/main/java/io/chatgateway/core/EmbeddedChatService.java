package io.chatgateway.core;

import static java.util.Objects.requireNonNull;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.grpc.UndecodableRequests;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.AddRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.CreateRoomResponse;
import io.chatgateway.proto.v1.DeleteRoomRequest;
import io.chatgateway.proto.v1.DeleteRoomResponse;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.RemoveRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.SearchRoomSubscriptionsResponse;
import io.chatgateway.proto.v1.NotifyProfilesRequest;
import io.chatgateway.proto.v1.NotifyProfilesResponse;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SendEventResponse;
import io.chatgateway.proto.v1.UpdateReceiptRequest;
import io.chatgateway.proto.v1.UpdateReceiptResponse;
import io.chatgateway.proto.v1.UpdateRoomRequest;
import io.chatgateway.proto.v1.UpdateRoomResponse;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleRequest;
import io.chatgateway.proto.v1.UpdateSubscriptionRoleResponse;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The gRPC face of {@link ChatCore}. {@code Connect} is the gateway's, so the core leaves it
 * UNIMPLEMENTED. Serve it through {@link #bindWithIdentity()}, which adds the identity check.
 */
public final class EmbeddedChatService extends ChatServiceGrpc.ChatServiceImplBase {

  private static final Logger log = Logger.getLogger(EmbeddedChatService.class.getName());

  private final ChatCore core;

  public EmbeddedChatService(ChatCore core) {
    this.core = requireNonNull(core, "core");
  }

  /**
   * This service behind {@link CallerIdentityServerInterceptor}, with requests that cannot be decoded
   * answered INVALID_ARGUMENT ({@link UndecodableRequests}): the definition to add to a server.
   */
  public ServerServiceDefinition bindWithIdentity() {
    return UndecodableRequests.guard(ServerInterceptors.intercept(this, new CallerIdentityServerInterceptor()));
  }

  @Override
  public void sendEvent(SendEventRequest request, StreamObserver<SendEventResponse> response) {
    respond(response, () -> SendEventResponse.newBuilder().setEvent(core.sendEvent(caller(), request)).build());
  }

  @Override
  public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> response) {
    respond(response, () -> core.getHistory(caller(), request));
  }

  @Override
  public void createRoom(CreateRoomRequest request, StreamObserver<CreateRoomResponse> response) {
    respond(response, () -> core.createRoom(caller(), request));
  }

  @Override
  public void getRoom(GetRoomRequest request, StreamObserver<GetRoomResponse> response) {
    respond(response, () -> core.getRoom(caller(), request));
  }

  @Override
  public void searchRooms(SearchRoomsRequest request, StreamObserver<SearchRoomsResponse> response) {
    List<SearchRoomsResponse> results;
    try {
      results = core.searchRooms(caller(), request);
    } catch (RuntimeException e) {
      response.onError(toStatus(e));
      return;
    }
    // Honour flow control: emit only while the transport is ready, resume from onReady.
    ServerCallStreamObserver<SearchRoomsResponse> call = (ServerCallStreamObserver<SearchRoomsResponse>) response;
    Iterator<SearchRoomsResponse> remaining = results.iterator();
    boolean[] completed = {false}; // touched only on the call's serialized executor
    Runnable drain =
        () -> {
          while (!completed[0] && call.isReady() && remaining.hasNext()) {
            call.onNext(remaining.next());
          }
          if (!completed[0] && !remaining.hasNext() && !call.isCancelled()) {
            completed[0] = true;
            call.onCompleted();
          }
        };
    call.setOnReadyHandler(drain);
    call.setOnCancelHandler(() -> completed[0] = true);
    drain.run();
  }

  @Override
  public void updateRoom(UpdateRoomRequest request, StreamObserver<UpdateRoomResponse> response) {
    respond(response, () -> core.updateRoom(caller(), request));
  }

  @Override
  public void deleteRoom(DeleteRoomRequest request, StreamObserver<DeleteRoomResponse> response) {
    respond(
        response,
        () -> {
          core.deleteRoom(caller(), request);
          return DeleteRoomResponse.getDefaultInstance();
        });
  }

  @Override
  public void addRoomSubscriptions(
      AddRoomSubscriptionsRequest request, StreamObserver<AddRoomSubscriptionsResponse> response) {
    respond(response, () -> core.addSubscriptions(caller(), request));
  }

  @Override
  public void removeRoomSubscriptions(
      RemoveRoomSubscriptionsRequest request, StreamObserver<RemoveRoomSubscriptionsResponse> response) {
    respond(response, () -> core.removeSubscriptions(caller(), request));
  }

  @Override
  public void updateSubscriptionRole(
      UpdateSubscriptionRoleRequest request, StreamObserver<UpdateSubscriptionRoleResponse> response) {
    respond(response, () -> core.updateRole(caller(), request));
  }

  @Override
  public void searchRoomSubscriptions(
      SearchRoomSubscriptionsRequest request, StreamObserver<SearchRoomSubscriptionsResponse> response) {
    respond(response, () -> core.searchSubscriptions(caller(), request));
  }

  @Override
  public void updateReceipt(UpdateReceiptRequest request, StreamObserver<UpdateReceiptResponse> response) {
    respond(response, () -> core.updateReceipt(caller(), request));
  }

  @Override
  public void notifyProfiles(NotifyProfilesRequest request, StreamObserver<NotifyProfilesResponse> response) {
    respond(response, () -> core.notifyProfiles(caller(), request));
  }

  private static CallerIdentity caller() {
    CallerIdentity identity = CallerIdentity.current();
    if (identity == null) {
      throw Status.UNAUTHENTICATED.withDescription("no caller identity").asRuntimeException();
    }
    return identity;
  }

  private static <T> void respond(StreamObserver<T> response, Supplier<T> call) {
    T result;
    try {
      result = call.get();
    } catch (RuntimeException e) {
      response.onError(toStatus(e));
      return;
    }
    response.onNext(result);
    response.onCompleted();
  }

  private static StatusRuntimeException toStatus(RuntimeException e) {
    if (e instanceof StatusRuntimeException status) {
      return status;
    }
    log.log(Level.SEVERE, "core bug while serving a call", e);
    return Status.INTERNAL.withDescription("internal error in the chat core").asRuntimeException();
  }
}
