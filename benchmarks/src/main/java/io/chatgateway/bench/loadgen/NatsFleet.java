package io.chatgateway.bench.loadgen;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.SimpleChannelInboundHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * NATS core-protocol clients for the fan-out reference: the few verbs a publisher and a subscriber
 * need ({@code CONNECT}, {@code SUB}, {@code PUB}, {@code MSG}, {@code PING}/{@code PONG}), on the
 * same kind of shared Netty event loop as the gRPC devices, so the reference pays the same client
 * costs as the gateway. Not a general NATS client: no reconnects, no headers, no queue groups.
 *
 * <p>Thread-safe; message callbacks run on the event loop.
 */
public final class NatsFleet implements AutoCloseable {

  /** Receives a subscriber's messages; runs on the event loop and must not block. */
  public interface MessageListener {
    void onMessage(NatsClient client, byte[] payload);
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private final InetSocketAddress server;
  private final NioEventLoopGroup loop;
  private final AtomicInteger ready = new AtomicInteger();
  private final AtomicLong errors = new AtomicLong();
  private final List<NatsClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public NatsFleet(InetSocketAddress server, int eventLoopThreads) {
    this.server = server;
    this.loop = new NioEventLoopGroup(eventLoopThreads);
  }

  /**
   * Connects a client that subscribes to {@code subject} (or to nothing, for a publisher, when it is
   * null). {@link #ready} counts it once the server has confirmed the subscription.
   */
  public NatsClient connect(String subject, MessageListener listener) {
    NatsClient client = new NatsClient(subject, listener);
    clients.add(client);
    new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<NioSocketChannel>() {
          @Override
          protected void initChannel(NioSocketChannel channel) {
            channel.pipeline().addLast(new Decoder(), new Handler(client));
          }
        })
        .connect(server)
        .addListener(future -> {
          if (!future.isSuccess()) {
            errors.incrementAndGet();
          }
        });
    return client;
  }

  /** Clients whose subscription the server confirmed (publishers count once connected). */
  public int ready() {
    return ready.get();
  }

  /** Protocol errors and failed connections. */
  public long errors() {
    return errors.get();
  }

  @Override
  public void close() {
    closed = true;
    for (NatsClient client : clients) {
      Channel channel = client.channel;
      if (channel != null) {
        channel.close();
      }
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /** One NATS connection. */
  public final class NatsClient {
    private final String subject;
    private final MessageListener listener;
    private volatile Channel channel;

    private NatsClient(String subject, MessageListener listener) {
      this.subject = subject;
      this.listener = listener;
    }

    /** Publishes {@code payload} to {@code target}. Any thread. */
    public void publish(String target, byte[] payload) {
      Channel current = channel;
      if (current == null) {
        return;
      }
      ByteBuf frame = Unpooled.buffer(target.length() + payload.length + 24);
      frame.writeCharSequence("PUB " + target + " " + payload.length + "\r\n", StandardCharsets.US_ASCII);
      frame.writeBytes(payload).writeBytes(CRLF);
      current.writeAndFlush(frame);
    }
  }

  private record Message(byte[] payload) {}

  private enum Pong { INSTANCE }

  /** Splits the server's stream into {@link Message}s and {@link Pong}s, answering its pings. */
  private final class Decoder extends ByteToMessageDecoder {

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      while (true) {
        int start = in.readerIndex();
        int eol = in.indexOf(start, in.writerIndex(), (byte) '\n');
        if (eol < 0) {
          return;
        }
        String line = in.toString(start, eol - start, StandardCharsets.US_ASCII).trim();
        if (line.startsWith("MSG ")) {
          // MSG <subject> <sid> [reply-to] <#bytes>
          int size = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
          if (in.writerIndex() - (eol + 1) < size + 2) {
            return;
          }
          in.readerIndex(eol + 1);
          byte[] payload = new byte[size];
          in.readBytes(payload);
          in.skipBytes(2);
          out.add(new Message(payload));
          continue;
        }
        in.readerIndex(eol + 1);
        if (line.equals("PING")) {
          ctx.writeAndFlush(Unpooled.copiedBuffer("PONG\r\n", StandardCharsets.US_ASCII));
        } else if (line.equals("PONG")) {
          out.add(Pong.INSTANCE);
        } else if (line.startsWith("-ERR")) {
          errors.incrementAndGet();
        }
      }
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<Object> {
    private final NatsClient client;
    private boolean confirmed;

    Handler(NatsClient client) {
      this.client = client;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      client.channel = ctx.channel();
      StringBuilder hello = new StringBuilder("CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"bench\"}\r\n");
      if (client.subject != null) {
        hello.append("SUB ").append(client.subject).append(" 1\r\n");
      }
      // The server answers PING after everything before it, so the PONG confirms the subscription.
      hello.append("PING\r\n");
      ctx.writeAndFlush(Unpooled.copiedBuffer(hello, StandardCharsets.US_ASCII));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object message) {
      if (message instanceof Message m) {
        client.listener.onMessage(client, m.payload());
      } else if (message == Pong.INSTANCE && !confirmed) {
        confirmed = true;
        ready.incrementAndGet();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!closed) {
        errors.incrementAndGet();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      errors.incrementAndGet();
      ctx.close();
    }
  }
}
