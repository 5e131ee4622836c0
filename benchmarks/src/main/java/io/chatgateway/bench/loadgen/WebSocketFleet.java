package io.chatgateway.bench.loadgen;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Simulated browser devices on the WebSocket bridge, binary (protobuf) frames: each its own TCP
 * connection, all on one shared JDK {@link HttpClient} (one selector thread). Idle after subscribing.
 * Thread-safe.
 */
public final class WebSocketFleet implements AutoCloseable {

  private final URI uri;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final HttpClient client = HttpClient.newBuilder().executor(executor).build();
  private final AtomicInteger subscribed = new AtomicInteger();
  private final AtomicLong errors = new AtomicLong();
  // The first failure, to say what the errors were.
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final List<WebSocket> sockets = new CopyOnWriteArrayList<>();

  /** @param uri the bridge, such as {@code ws://127.0.0.1:8080/ws} */
  public WebSocketFleet(URI uri) {
    this.uri = uri;
  }

  /** Opens a device: upgrade with the token in the header, hello, subscribe. Returns at once. */
  public void open(String token, List<String> rooms) {
    client
        .newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .buildAsync(uri, new Listener())
        .whenComplete(
            (socket, failure) -> {
              if (failure != null) {
                failed(failure.toString());
                return;
              }
              sockets.add(socket);
              socket
                  .sendBinary(ByteBuffer.wrap(ConnectRequest.newBuilder().setHello(HelloFrame.getDefaultInstance()).build().toByteArray()), true)
                  .thenCompose(s -> s.sendBinary(ByteBuffer.wrap(
                      ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addAllRoomIds(rooms)).build().toByteArray()), true))
                  .exceptionally(t -> {
                    failed(t.toString());
                    return null;
                  });
            });
  }

  public int subscribed() {
    return subscribed.get();
  }

  public long errorCount() {
    return errors.get();
  }

  /** What the first failure said, or an empty string. */
  public String firstError() {
    String first = firstError.get();
    return first == null ? "" : first;
  }

  private void failed(String what) {
    errors.incrementAndGet();
    firstError.compareAndSet(null, what.length() > 200 ? what.substring(0, 200) : what);
  }

  @Override
  public void close() {
    for (WebSocket socket : sockets) {
      socket.abort();
    }
    executor.shutdownNow();
  }

  private final class Listener implements WebSocket.Listener {
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      partial.writeBytes(bytes);
      if (last) {
        try {
          ServerEvent event = ServerEvent.parseFrom(partial.toByteArray());
          if (event.hasSubscribed() && event.getSubscribed().getResultsList().stream().allMatch(RoomSubscriptionResult::getOk)) {
            subscribed.incrementAndGet();
          } else if (event.hasError()) {
            failed("error frame " + event.getError().getCode() + ": " + event.getError().getMessage());
          }
        } catch (InvalidProtocolBufferException e) {
          failed(e.toString());
        }
        partial.reset();
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
      failed("closed " + statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      failed(error.toString());
    }
  }
}
