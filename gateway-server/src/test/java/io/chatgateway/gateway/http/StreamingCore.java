package io.chatgateway.gateway.http;

import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.SearchRoomsRequest;
import io.chatgateway.proto.v1.SearchRoomsResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A core written for tests of streamed answers: a real gRPC server on a free port whose {@code
 * SearchRooms} does what the query says. "fail" streams two rooms, then fails RESOURCE_EXHAUSTED
 * with trailers of its own ({@code x-core-reason: quota}, {@code x-core-detail-bin}). A query that
 * starts with "endless" streams until cancelled and records that query when it is. "flood" streams
 * {@link #FLOOD} rooms as fast as flow control lets it and records when it has to wait. Other
 * queries fail INVALID_ARGUMENT; other methods are UNIMPLEMENTED.
 */
final class StreamingCore extends ChatServiceGrpc.ChatServiceImplBase implements AutoCloseable {
  static final int FLOOD = 60_000;
  static final String PADDING = "x".repeat(1_000);

  final Server server;
  /** The queries of "endless" streams the core saw cancelled. */
  final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  final AtomicInteger floodSent = new AtomicInteger();
  /** When the flood last found its call not ready with answers left to send; 0 while it sends. */
  final AtomicLong floodWaitingSince = new AtomicLong();

  StreamingCore() {
    try {
      server = NettyServerBuilder.forPort(0).addService(this).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  /** How long the flood has been waiting for its call to be ready again; 0 while it sends or when done. */
  long floodStalledNanos() {
    long since = floodWaitingSince.get();
    return since == 0 ? 0 : System.nanoTime() - since;
  }

  @Override
  public void searchRooms(SearchRoomsRequest request, StreamObserver<SearchRoomsResponse> responses) {
    ServerCallStreamObserver<SearchRoomsResponse> call = (ServerCallStreamObserver<SearchRoomsResponse>) responses;
    String query = request.getQuery();
    switch (query.startsWith("endless") ? "endless" : query) {
      case "fail" -> {
        call.onNext(room(0, ""));
        call.onNext(room(1, ""));
        Metadata trailers = new Metadata();
        trailers.put(Metadata.Key.of("x-core-reason", Metadata.ASCII_STRING_MARSHALLER), "quota");
        trailers.put(Metadata.Key.of("x-core-detail-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2, (byte) 0xff});
        call.onError(Status.RESOURCE_EXHAUSTED.withDescription("the core gave up").asRuntimeException(trailers));
      }
      case "endless" -> {
        call.setOnCancelHandler(() -> cancelled.add(query));
        AtomicInteger sent = new AtomicInteger();
        call.setOnReadyHandler(() -> {
          // One answer per readiness turn that still has room, for as long as the call lives.
          while (call.isReady() && !call.isCancelled()) {
            call.onNext(room(sent.getAndIncrement(), PADDING));
          }
        });
      }
      case "flood" -> {
        floodSent.set(0);
        floodWaitingSince.set(0);
        AtomicBoolean done = new AtomicBoolean();
        call.setOnReadyHandler(() -> {
          floodWaitingSince.set(0);
          while (call.isReady() && floodSent.get() < FLOOD) {
            call.onNext(room(floodSent.getAndIncrement(), PADDING));
          }
          if (floodSent.get() < FLOOD) {
            floodWaitingSince.set(System.nanoTime());
          } else if (done.compareAndSet(false, true)) {
            call.onCompleted();
          }
        });
      }
      default -> call.onError(Status.INVALID_ARGUMENT.withDescription("unknown query").asRuntimeException());
    }
  }

  private static SearchRoomsResponse room(int index, String description) {
    return SearchRoomsResponse.newBuilder().setRoom(Room.newBuilder().setId("room-" + index).setDescription(description)).build();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
