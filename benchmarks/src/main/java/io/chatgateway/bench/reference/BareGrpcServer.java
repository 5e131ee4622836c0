package io.chatgateway.bench.reference;

import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ReadyEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;

/**
 * The reference for per-connection cost: grpc-java with every setting at its default, serving {@code
 * Connect} with the least a server can do: {@code ready} for hello, {@code subscribed} for subscribe,
 * and no state at all. Our gateway holds the same idle streams with auth, sessions, rooms and
 * presence; the difference between the two is what our state costs. {@code main(port)}; runs until
 * killed.
 */
public final class BareGrpcServer extends ChatServiceGrpc.ChatServiceImplBase {

  private BareGrpcServer() {}

  /** The service alone, for a server of the caller's (tests). */
  public static ChatServiceGrpc.ChatServiceImplBase service() {
    return new BareGrpcServer();
  }

  public static void main(String[] args) throws Exception {
    Server server =
        Grpc.newServerBuilderForPort(Integer.parseInt(args[0]), InsecureServerCredentials.create())
            .addService(new BareGrpcServer())
            .build()
            .start();
    System.out.println("bare grpc-java server listening on " + server.getPort());
    server.awaitTermination();
  }

  @Override
  public StreamObserver<ConnectRequest> connect(StreamObserver<ServerEvent> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ConnectRequest request) {
        if (request.hasHello()) {
          responses.onNext(ServerEvent.newBuilder().setReady(ReadyEvent.newBuilder().setSessionId("bare")).build());
        } else if (request.hasSubscribe()) {
          SubscribedEvent.Builder subscribed = SubscribedEvent.newBuilder();
          for (String room : request.getSubscribe().getRoomIdsList()) {
            subscribed.addResults(RoomSubscriptionResult.newBuilder().setRoomId(room).setOk(true));
          }
          responses.onNext(ServerEvent.newBuilder().setSubscribed(subscribed).build());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }
}
