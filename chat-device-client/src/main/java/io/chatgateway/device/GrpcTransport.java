package io.chatgateway.device;

import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import io.chatgateway.proto.v1.ServerEvent;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** {@link StreamTransport} over a gRPC channel, with manual inbound flow control on the stream. */
final class GrpcTransport implements StreamTransport {

  private final Channel channel;
  private final Duration historyDeadline;

  GrpcTransport(Channel channel, Duration historyDeadline) {
    this.channel = channel;
    this.historyDeadline = historyDeadline;
  }

  @Override
  public Stream open(String token, Handler handler) {
    if (channel instanceof ManagedChannel managed) {
      // The client's jittered backoff decides when to try; without this the channel's own backoff
      // (1 s growing to 2 min) would fail every attempt fast long after the gateway is back.
      managed.resetConnectBackoff();
    }
    GrpcStream stream = new GrpcStream(handler);
    ChatServiceGrpc.newStub(channel).withCallCredentials(BearerCredentials.of(token)).connect(stream);
    return stream;
  }

  @Override
  public CompletionStage<GetHistoryResponse> history(String token, GetHistoryRequest request) {
    CompletableFuture<GetHistoryResponse> answer = new CompletableFuture<>();
    ChatServiceGrpc.newStub(channel)
        .withCallCredentials(BearerCredentials.of(token))
        .withDeadlineAfter(historyDeadline.toMillis(), TimeUnit.MILLISECONDS)
        .getHistory(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(GetHistoryResponse response) {
                answer.complete(response);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                answer.completeExceptionally(Status.INTERNAL.withDescription("GetHistory answered nothing").asRuntimeException());
              }
            });
    return answer;
  }

  /** One Connect call. Outbound methods run on the client's loop; the observer methods on gRPC's threads. */
  private static final class GrpcStream implements Stream, ClientResponseObserver<ConnectRequest, ServerEvent> {

    private final Handler handler;
    private ClientCallStreamObserver<ConnectRequest> requests;

    GrpcStream(Handler handler) {
      this.handler = handler;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
      this.requests = requestStream;
      // The client asks for messages as its listener takes them: the listener's pace is the stream's.
      requestStream.disableAutoRequestWithInitial(0);
    }

    @Override
    public void send(ConnectRequest frame) {
      requests.onNext(frame);
    }

    @Override
    public void request(int count) {
      requests.request(count);
    }

    @Override
    public void finish() {
      requests.onCompleted();
    }

    @Override
    public void cancel(String why) {
      requests.cancel(why, null);
    }

    @Override
    public void onNext(ServerEvent event) {
      handler.onEvent(event);
    }

    @Override
    public void onError(Throwable t) {
      handler.onClosed(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      handler.onClosed(Status.OK);
    }
  }
}
