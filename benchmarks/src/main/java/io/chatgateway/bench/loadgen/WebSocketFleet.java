package io.chatgateway.bench.loadgen;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Simulated browser devices on the WebSocket bridge: each its own TCP connection, all on one shared
 * JDK {@link HttpClient} (one selector thread). Idle after subscribing, or reading room events in
 * binary (protobuf) or text (JSON) frames, parsed whole as a browser's {@code JSON.parse} would.
 * Thread-safe; a device's callbacks run one at a time.
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

  /** How a device frames what it sends and reads. */
  public enum Framing {
    BINARY,
    JSON
  }

  /** Opens an idle device: upgrade with the token in the header, hello, subscribe, binary frames. Returns at once. */
  public void open(String token, List<String> rooms) {
    open(token, rooms, Framing.BINARY, null);
  }

  /**
   * Opens an idle device as a browser does: upgrade without a token (a browser cannot set headers on
   * a WebSocket), the token in the hello frame, subscribe, binary frames. Returns at once.
   */
  public void openAsBrowser(String token, List<String> rooms) {
    open(null, ConnectRequest.newBuilder().setHello(HelloFrame.newBuilder().setAccessToken(token)), rooms, Framing.BINARY, null);
  }

  /**
   * Opens a device that reads its rooms' events and hands the text of each to {@code roomEventTexts};
   * it announces the {@code batch} capability, as the gRPC devices do. Returns at once.
   */
  public void open(String token, List<String> rooms, Framing framing, Consumer<String> roomEventTexts) {
    ConnectRequest.Builder hello = ConnectRequest.newBuilder().setHello(roomEventTexts == null ? HelloFrame.getDefaultInstance() : HelloFrame.newBuilder().addCapabilities("batch").build());
    open(token, hello, rooms, framing, roomEventTexts);
  }

  /** Opens a device that upgrades with {@code headerToken} (none when null) and says {@code hello}. */
  private void open(String headerToken, ConnectRequest.Builder hello, List<String> rooms, Framing framing, Consumer<String> roomEventTexts) {
    ConnectRequest.Builder subscribe = ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addAllRoomIds(rooms));
    WebSocket.Builder upgrade = client.newWebSocketBuilder();
    if (headerToken != null) {
      upgrade.header("Authorization", "Bearer " + headerToken);
    }
    upgrade
        .buildAsync(uri, new Listener(roomEventTexts))
        .whenComplete(
            (socket, failure) -> {
              if (failure != null) {
                failed(failure.toString());
                return;
              }
              sockets.add(socket);
              send(socket, framing, hello)
                  .thenCompose(s -> send(s, framing, subscribe))
                  .exceptionally(t -> {
                    failed(t.toString());
                    return null;
                  });
            });
  }

  private static CompletableFuture<WebSocket> send(WebSocket socket, Framing framing, ConnectRequest.Builder frame) {
    if (framing == Framing.BINARY) {
      return socket.sendBinary(ByteBuffer.wrap(frame.build().toByteArray()), true);
    }
    try {
      return socket.sendText(JsonFormat.printer().omittingInsignificantWhitespace().print(frame), true);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
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
    private final StringBuilder partialText = new StringBuilder();
    private final Consumer<String> roomEventTexts; // null: idle, reads only what subscribing answers

    Listener(Consumer<String> roomEventTexts) {
      this.roomEventTexts = roomEventTexts;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      partial.writeBytes(bytes);
      if (last) {
        try {
          ServerEvent event = ServerEvent.parseFrom(partial.toByteArray());
          if (event.hasBatch()) {
            event.getBatch().getEventsList().forEach(this::handle);
          } else {
            handle(event);
          }
        } catch (InvalidProtocolBufferException e) {
          failed(e.toString());
        }
        partial.reset();
      }
      socket.request(1);
      return null;
    }

    private void handle(ServerEvent event) {
      if (event.hasRoomEvent()) {
        if (roomEventTexts != null) {
          roomEventTexts.accept(event.getRoomEvent().getText().getText());
        }
      } else if (event.hasSubscribed() && event.getSubscribed().getResultsList().stream().allMatch(RoomSubscriptionResult::getOk)) {
        subscribed.incrementAndGet();
      } else if (event.hasError()) {
        failed("error frame " + event.getError().getCode() + ": " + event.getError().getMessage());
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      String text;
      if (partialText.length() == 0 && last) {
        text = data.toString(); // the whole frame in one piece: no copy through the builder
      } else {
        partialText.append(data);
        text = last ? partialText.toString() : null;
      }
      if (text != null) {
        try {
          JsonReader json = new JsonReader(new StringReader(text));
          readServerEvent(json);
          if (json.peek() != JsonToken.END_DOCUMENT) {
            throw new IOException("more after the ServerEvent: " + json.peek());
          }
        } catch (IOException | RuntimeException e) {
          failed("unreadable text frame: " + e);
        }
        partialText.setLength(0);
      }
      socket.request(1);
      return null;
    }

    /**
     * Reads one frame's ServerEvent (the protobuf JSON mapping) token by token: every byte of the
     * frame is parsed and checked, as {@code JSON.parse} would, but no tree is built for what the
     * device does not read (building one cost the harness more than the gateway spent per frame).
     */
    private void readServerEvent(JsonReader json) throws IOException {
      json.beginObject();
      while (json.hasNext()) {
        switch (json.nextName()) {
          case "batch" -> readBatch(json);
          case "roomEvent" -> readRoomEvent(json);
          case "subscribed" -> readSubscribed(json);
          case "error" -> failed("error frame " + JsonParser.parseReader(json));
          default -> json.skipValue();
        }
      }
      json.endObject();
    }

    /** An {@code EventBatch}: each of its events as a ServerEvent of its own. */
    private void readBatch(JsonReader json) throws IOException {
      json.beginObject();
      while (json.hasNext()) {
        if (!json.nextName().equals("events")) {
          json.skipValue();
          continue;
        }
        json.beginArray();
        while (json.hasNext()) {
          readServerEvent(json);
        }
        json.endArray();
      }
      json.endObject();
    }

    private void readRoomEvent(JsonReader json) throws IOException {
      json.beginObject();
      while (json.hasNext()) {
        if (json.nextName().equals("text")) {
          json.beginObject();
          while (json.hasNext()) {
            if (json.nextName().equals("text")) {
              String text = json.nextString();
              if (roomEventTexts != null) {
                roomEventTexts.accept(text);
              }
            } else {
              json.skipValue();
            }
          }
          json.endObject();
        } else {
          json.skipValue();
        }
      }
      json.endObject();
    }

    private void readSubscribed(JsonReader json) throws IOException {
      boolean all = true;
      json.beginObject();
      while (json.hasNext()) {
        if (json.nextName().equals("results")) {
          json.beginArray();
          while (json.hasNext()) {
            boolean ok = false; // the JSON mapping leaves out a false boolean
            json.beginObject();
            while (json.hasNext()) {
              if (json.nextName().equals("ok")) {
                ok = json.nextBoolean();
              } else {
                json.skipValue();
              }
            }
            json.endObject();
            all &= ok;
          }
          json.endArray();
        } else {
          json.skipValue();
        }
      }
      json.endObject();
      if (all) {
        subscribed.incrementAndGet();
      } else {
        failed("subscribe refused");
      }
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
