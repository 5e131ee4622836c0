package io.chatgateway.gateway.transport.websocket;

import io.chatgateway.gateway.session.CloseCode;
import io.chatgateway.gateway.session.CloseReason;
import io.chatgateway.gateway.session.OutboundEvent;
import io.chatgateway.gateway.session.SessionTransport;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.xnio.IoUtils;

/**
 * A WebSocket as a session transport.
 *
 * <p>Back-pressure: Undertow queues sends without limit, so this counts sends not yet written to the
 * socket and reports not-ready at {@link #MAX_OUTSTANDING_SENDS}. The session then keeps events in
 * its own bounded queue, and cuts a client that stops reading. Inbound, frames are read only while
 * the session has credit for them ({@link #requestFrames}).
 *
 * <p>Threading: send, close and requestFrames come from the session's executor; write completions
 * come from the I/O thread.
 */
final class WebSocketTransport implements SessionTransport {

  /**
   * How long a closed socket waits for the client's answering close frame before the connection is
   * cut: a client that ignores close frames (or stopped reading, so ours cannot even be written)
   * must not keep the connection.
   */
  static final long CLOSE_HANDSHAKE_MILLIS = 2_000;

  /** Sends handed to Undertow but not yet written to the socket, at most. */
  static final int MAX_OUTSTANDING_SENDS = 16;

  enum Mode {
    UNDECIDED,
    TEXT,
    BINARY
  }

  private final WebSocketChannel channel;
  private final Written written = new Written();
  // Field updaters rather than AtomicIntegers: two objects less in every socket.
  private static final AtomicIntegerFieldUpdater<WebSocketTransport> OUTSTANDING = AtomicIntegerFieldUpdater.newUpdater(WebSocketTransport.class, "outstanding");
  private static final AtomicIntegerFieldUpdater<WebSocketTransport> CREDITS = AtomicIntegerFieldUpdater.newUpdater(WebSocketTransport.class, "credits");

  private volatile int outstanding; // sends not yet written
  private volatile int credits = 1; // frames the session still takes before reads are suspended
  private volatile Mode mode = Mode.UNDECIDED;
  private volatile Runnable onWritable = () -> {};
  private volatile boolean closed;
  private final InetAddress client;
  private final long pingIntervalNanos;
  private long nextPingNanos; // the sweeper's thread only; 0 until its first call

  /**
   * @param client the client's address, behind trusted proxies the one they forwarded
   * @param pingInterval how often the server pings the client ({@link #keepAlive}), so that proxies
   *     and NATs see traffic on a quiet socket
   */
  WebSocketTransport(WebSocketChannel channel, InetAddress client, Duration pingInterval) {
    this.channel = channel;
    this.client = client;
    this.pingIntervalNanos = pingInterval.toNanos();
  }

  /** Pings the client when a ping interval has passed since the last (the first one after one interval). */
  @Override
  public void keepAlive(long nowNanos) {
    if (closed) {
      return;
    }
    if (nextPingNanos == 0) {
      nextPingNanos = nowNanos + pingIntervalNanos;
    } else if (nowNanos - nextPingNanos >= 0) {
      nextPingNanos = nowNanos + pingIntervalNanos;
      WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
    }
  }

  void onWritable(Runnable callback) {
    this.onWritable = callback;
  }

  /** Records the framing of the client's first frame; later frames do not change it. */
  void chooseMode(Mode firstFrame) {
    if (mode == Mode.UNDECIDED) {
      mode = firstFrame;
    }
  }

  /** Counts one received frame against the credit; stops reading when it is used up. */
  void frameReceived() {
    if (CREDITS.decrementAndGet(this) <= 0) {
      channel.suspendReceives();
    }
  }

  @Override
  public String kind() {
    return "websocket";
  }

  @Override
  public String remoteAddress() {
    return client.getHostAddress();
  }

  @Override
  public boolean isReady() {
    return outstanding < MAX_OUTSTANDING_SENDS && !closed;
  }

  @Override
  public void send(OutboundEvent event) {
    if (closed) {
      return;
    }
    OUTSTANDING.incrementAndGet(this);
    if (mode == Mode.BINARY) {
      WebSockets.sendBinary(ByteBuffer.wrap(event.binary()), channel, written);
    } else {
      WebSockets.sendText(ByteBuffer.wrap(event.jsonUtf8()), channel, written);
    }
  }

  /** Counts each send's end; one for the socket's life rather than one per send (no state of a send's own). */
  private final class Written implements WebSocketCallback<Void> {
    @Override
    public void complete(WebSocketChannel channel, Void context) {
      if (OUTSTANDING.getAndDecrement(WebSocketTransport.this) == MAX_OUTSTANDING_SENDS) {
        onWritable.run();
      }
    }

    @Override
    public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
      OUTSTANDING.decrementAndGet(WebSocketTransport.this);
      IoUtils.safeClose(channel);
    }
  }

  @Override
  public void close(CloseReason reason) {
    if (closed) {
      return;
    }
    closed = true;
    channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_HANDSHAKE_MILLIS, TimeUnit.MILLISECONDS);
    WebSockets.sendClose(
        new CloseMessage(closeCode(reason.code()), truncate(reason.message())),
        channel,
        new WebSocketCallback<>() {
          @Override
          public void complete(WebSocketChannel channel, Void context) {
            // The client answers with its own close; the channel closes then.
          }

          @Override
          public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
            IoUtils.safeClose(channel);
          }
        });
  }

  @Override
  public void requestFrames(int count) {
    if (!closed && CREDITS.getAndAdd(this, count) <= 0) {
      channel.getIoThread().execute(channel::resumeReceives);
    }
  }

  /** WebSocket close codes for the session's close reasons (RFC 6455 section 7.4.1). */
  static int closeCode(CloseCode code) {
    return switch (code) {
      case NORMAL -> CloseMessage.NORMAL_CLOSURE; // 1000
      case GOING_AWAY, IDLE -> CloseMessage.GOING_AWAY; // 1001: drain, idle
      case OVERLOADED -> 1013; // try again later: slow consumer, flood
      case UNAUTHENTICATED, PROTOCOL_ERROR, REPLACED -> CloseMessage.MSG_VIOLATES_POLICY; // 1008
    };
  }

  /** Close reasons are limited to 123 bytes of UTF-8. */
  static String truncate(String reason) {
    byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= 123) {
      return reason;
    }
    String cut = new String(bytes, 0, 120, StandardCharsets.UTF_8);
    // A split multi-byte character decodes to U+FFFD; drop it.
    return (cut.endsWith("\uFFFD") ? cut.substring(0, cut.length() - 1) : cut) + "...";
  }
}
