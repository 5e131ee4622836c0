package io.chatgateway.gateway.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.ServerEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real WebSocket client (the JDK's) for tests: records every event (decoding JSON text or protobuf
 * binary frames) and the close code. With {@code reading = false} it requests nothing after the
 * handshake until {@link #readEverything}, as a client that stopped reading would.
 */
public final class WsClient extends RecordingClient implements WebSocket.Listener {

  private final List<String> texts = new ArrayList<>(); // guarded by events
  private final StringBuilder partialText = new StringBuilder();
  private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();
  private final AtomicReference<Integer> closeCode = new AtomicReference<>();
  private final AtomicReference<String> closeReason = new AtomicReference<>();
  private final AtomicInteger binaryFrames = new AtomicInteger();
  private final AtomicInteger pings = new AtomicInteger();
  private final boolean reading;
  private volatile WebSocket socket;

  private WsClient(boolean reading) {
    super("websocket");
    this.reading = reading;
  }

  /** Opens {@code uri} with extra request headers; throws if the handshake is refused. */
  public static WsClient connect(URI uri, Map<String, String> headers, boolean reading) {
    return connect(HttpClient.newHttpClient(), uri, headers, reading);
  }

  /** As {@link #connect(URI, Map, boolean)} through {@code http} (for {@code wss}: its TLS context). */
  public static WsClient connect(HttpClient http, URI uri, Map<String, String> headers, boolean reading) {
    WsClient client = new WsClient(reading);
    WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    client.socket = builder.buildAsync(uri, client).join();
    return client;
  }

  public static WsClient connect(URI uri) {
    return connect(uri, Map.of(), true);
  }

  /** Counts the server's pings; the JDK answers each with a pong. */
  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    pings.incrementAndGet();
    webSocket.request(1);
    return null;
  }

  /** Pings received from the server so far. */
  public int pings() {
    return pings.get();
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    if (reading) {
      webSocket.request(1);
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partialText.append(data);
    if (last) {
      String text = partialText.toString();
      partialText.setLength(0);
      ServerEvent.Builder event = ServerEvent.newBuilder();
      try {
        JsonFormat.parser().merge(text, event);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the gateway sent text that is not a ServerEvent: " + text, e);
      }
      synchronized (events) {
        texts.add(text);
        record(event.build());
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] chunk = new byte[data.remaining()];
    data.get(chunk);
    partialBinary.writeBytes(chunk);
    if (last) {
      try {
        ServerEvent event = ServerEvent.parseFrom(partialBinary.toByteArray());
        record(event);
        binaryFrames.incrementAndGet();
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the gateway sent bytes that are not a ServerEvent", e);
      }
      partialBinary.reset();
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason.set(reason);
    closeCode.set(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closeReason.compareAndSet(null, String.valueOf(error));
    closeCode.compareAndSet(null, -1);
  }

  public void sendText(String text) {
    socket.sendText(text, true).join();
  }

  public void sendBinary(byte[] bytes) {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
  }

  public void readEverything() {
    socket.request(Long.MAX_VALUE);
  }

  @Override
  protected String state() {
    return "got " + events().size() + " events, last texts " + lastTexts() + "; close " + closeCode.get() + " " + closeReason.get();
  }

  /** Waits for the close frame and returns its code. */
  public int awaitClose() {
    Await.until(WAIT, () -> closeCode.get() != null, () -> "websocket waiting for close; events " + events().size());
    return closeCode.get();
  }

  public String closeReason() {
    return closeReason.get();
  }

  public Integer closeCode() {
    return closeCode.get();
  }

  public int binaryFrames() {
    return binaryFrames.get();
  }

  private List<String> lastTexts() {
    synchronized (events) {
      return texts.subList(Math.max(0, texts.size() - 3), texts.size());
    }
  }

  public void abort() {
    socket.abort();
  }
}
