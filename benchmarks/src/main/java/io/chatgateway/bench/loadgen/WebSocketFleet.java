package io.chatgateway.bench.loadgen;

import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Simulated browser devices on the WebSocket bridge: each its own TCP connection, all on two Netty
 * event-loop threads. Idle after subscribing, or reading room events in binary (protobuf) or text
 * (JSON) frames, each frame's UTF-8 checked and decoded and its JSON parsed as a browser's {@code
 * JSON.parse} would. Thread-safe; a device's frames are read one at a time, on its channel's thread.
 *
 * <p>Netty rather than the JDK's WebSocket client: the JDK client decodes text frames from
 * non-array buffers on its slow path, and with 500 devices at max rate that decoding alone was a
 * quarter of the harness's CPU, leaving the gateway's JSON figure a measure of the harness.
 */
public final class WebSocketFleet implements AutoCloseable {

  /** Largest frame a device takes (the bridge's largest batch is far below it). */
  private static final int MAX_FRAME_BYTES = 4 << 20;

  private final URI uri;
  private final InetAddress source;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final AtomicInteger subscribed = new AtomicInteger();
  private final AtomicLong errors = new AtomicLong();
  // The first failure, to say what the errors were.
  private final AtomicReference<String> firstError = new AtomicReference<>();
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /** @param uri the bridge, such as {@code ws://127.0.0.1:8080/ws} */
  public WebSocketFleet(URI uri) {
    this(uri, null);
  }

  /**
   * @param uri the bridge, such as {@code ws://127.0.0.1:8080/ws}
   * @param source the local address the devices connect from (each load generator its own, so
   *     that tens of thousands of connections do not run out of local ports); null: any
   */
  public WebSocketFleet(URI uri, InetAddress source) {
    this.uri = uri;
    this.source = source;
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
   * Opens a device that reads its rooms' events and hands the text of each to {@code roomEventTexts}
   * (on the device's event-loop thread); it announces the {@code batch} capability, as the gRPC
   * devices do. Returns at once.
   */
  public void open(String token, List<String> rooms, Framing framing, Consumer<String> roomEventTexts) {
    ConnectRequest.Builder hello = ConnectRequest.newBuilder().setHello(roomEventTexts == null ? HelloFrame.getDefaultInstance() : HelloFrame.newBuilder().addCapabilities("batch").build());
    open(token, hello, rooms, framing, roomEventTexts);
  }

  /** Opens a device that upgrades with {@code headerToken} (none when null) and says {@code hello}. */
  private void open(String headerToken, ConnectRequest.Builder hello, List<String> rooms, Framing framing, Consumer<String> roomEventTexts) {
    ConnectRequest.Builder subscribe = ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addAllRoomIds(rooms));
    HttpHeaders headers = new DefaultHttpHeaders();
    if (headerToken != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + headerToken);
    }
    WebSocketClientProtocolConfig upgrade = WebSocketClientProtocolConfig.newBuilder()
        .webSocketUri(uri)
        .customHeaders(headers)
        .maxFramePayloadLength(MAX_FRAME_BYTES)
        // Text frames are checked as they are decoded (Device.decode): Netty's validator reads
        // them a byte at a time, a third of the harness's CPU at JSON max.
        .withUTF8Validator(false)
        .handleCloseFrames(false) // a close from the gateway is an error here: Device reports it
        .build();
    Bootstrap bootstrap = new Bootstrap();
    if (source != null) {
      bootstrap.localAddress(source, 0);
    }
    bootstrap
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            // Here, before it can close: a channel added once connected could be gone already.
            channels.add(channel);
            channel.closeFuture().addListener(closed -> channels.remove(channel));
            channel.pipeline().addLast(
                new HttpClientCodec(),
                new HttpObjectAggregator(64 << 10),
                new WebSocketClientProtocolHandler(upgrade),
                new WebSocketFrameAggregator(MAX_FRAME_BYTES),
                new Device(framing, List.of(hello.build(), subscribe.build()), roomEventTexts));
          }
        })
        .connect(uri.getHost(), uri.getPort())
        .addListener((ChannelFutureListener) connected -> {
          if (!connected.isSuccess()) {
            failed(connected.cause().toString());
          }
        });
  }

  private static WebSocketFrame frame(Framing framing, ConnectRequest request) {
    if (framing == Framing.BINARY) {
      return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(request.toByteArray()));
    }
    try {
      return new TextWebSocketFrame(JsonFormat.printer().omittingInsignificantWhitespace().print(request));
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

  /** Cuts every device's connection and stops the threads; waits at most a few seconds. */
  @Override
  public void close() {
    closing = true;
    for (Channel channel : channels) {
      channel.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /**
   * The handler of one device that reads its rooms' events in {@code framing} (what {@link #open}
   * puts at the end of each device's pipeline), for tests that feed it frames directly.
   */
  ChannelHandler reader(Framing framing, Consumer<String> roomEventTexts) {
    return new Device(framing, List.of(), roomEventTexts);
  }

  /** One device: says its frames once upgraded, then reads what the gateway sends. Its channel's thread only. */
  private final class Device extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final Framing framing;
    private final List<ConnectRequest> firstFrames;
    private final Consumer<String> roomEventTexts; // null: idle, reads only what subscribing answers
    // Refuses malformed UTF-8 as a browser does (it fails the connection); this device's thread only.
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private boolean endReported; // its connection's end already counted as an error

    Device(Framing framing, List<ConnectRequest> firstFrames, Consumer<String> roomEventTexts) {
      this.framing = framing;
      this.firstFrames = firstFrames;
      this.roomEventTexts = roomEventTexts;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        for (ConnectRequest request : firstFrames) {
          context.write(frame(framing, request)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
        context.flush();
      } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
        failed("upgrade timed out");
      }
      super.userEventTriggered(context, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, WebSocketFrame frame) {
      if (frame instanceof BinaryWebSocketFrame) {
        try {
          ServerEvent event = ServerEvent.parseFrom(frame.content().nioBuffer());
          if (event.hasBatch()) {
            event.getBatch().getEventsList().forEach(this::handle);
          } else {
            handle(event);
          }
        } catch (InvalidProtocolBufferException e) {
          failed(e.toString());
        }
      } else if (frame instanceof TextWebSocketFrame) {
        try {
          JsonReader json = new JsonReader(new CharBufferReader(decode(frame.content())));
          readServerEvent(json);
          if (json.peek() != JsonToken.END_DOCUMENT) {
            throw new IOException("more after the ServerEvent: " + json.peek());
          }
        } catch (IOException | RuntimeException e) {
          failed("unreadable text frame: " + e);
        }
      } else if (frame instanceof CloseWebSocketFrame close) {
        endReported = true;
        failed("closed " + close.statusCode() + " " + close.reasonText());
        context.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
      if (!closing && !endReported) {
        failed("connection closed without a close frame");
      }
      super.channelInactive(context);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      if (!closing && !endReported) {
        endReported = true;
        failed(cause.toString());
      }
      context.close();
    }

    /**
     * The frame's text, from a heap copy of its bytes: the JDK decodes arrays on its fast path
     * (ASCII runs at once) and buffers outside the heap a character at a time.
     */
    private CharBuffer decode(ByteBuf content) throws CharacterCodingException {
      return utf8.decode(ByteBuffer.wrap(ByteBufUtil.getBytes(content)));
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
  }

  /** Reads a decoded frame's characters (a {@link java.io.StringReader} would need a copy as a String). */
  private static final class CharBufferReader extends Reader {
    private final CharBuffer text;

    CharBufferReader(CharBuffer text) {
      this.text = text;
    }

    @Override
    public int read(char[] into, int offset, int length) {
      if (!text.hasRemaining()) {
        return -1;
      }
      int count = Math.min(length, text.remaining());
      text.get(into, offset, count);
      return count;
    }

    @Override
    public void close() {}
  }
}
