package io.chatgateway.gateway.transport.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.ServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;

/**
 * Gives back the HPACK table of every connection that carries a device stream.
 *
 * <p>HTTP/2 lets a client index the headers it sends (HPACK's dynamic table, 4 KiB by default) so
 * that later requests on the connection repeat them in a byte or two; the server keeps the table for
 * the connection's life. A device connection sends its headers once, when it opens its {@code
 * Connect} stream, and then holds the connection for hours: its table would keep the device's bearer
 * token and a dozen other headers (about 1.5 KB per connection with the table's own array) for
 * nothing. So when a {@code Connect} stream starts, {@link #release} sends the connection a SETTINGS
 * frame with {@code SETTINGS_HEADER_TABLE_SIZE} 0 (RFC 9113 section 6.5.2): once the client
 * acknowledges it, the table is emptied and the client sends its next headers, if any, unindexed
 * (RFC 7541 section 4.2 has it signal the change first). Connections that carry only unary calls (a
 * service calling SendEvent) keep their table: for them, indexing saves bytes and decoding on every
 * call.
 *
 * <p>grpc-java has no setting for the header table; this class reaches the connection through its
 * {@linkplain #credentials protocol negotiator}, which puts a watch in each connection's pipeline.
 * The watch registers the connection under its client's address until a stream claims it or the
 * connection closes, then leaves the pipeline: a device connection costs nothing after its stream
 * starts.
 *
 * <p>Thread-safe: the map of waiting connections is concurrent; everything done to a connection runs
 * on its event loop.
 */
public final class HeaderTableRelease {

  /** Connections not yet released, by the client's address (unique per TCP connection). */
  private final ConcurrentMap<SocketAddress, Watch> waiting = new ConcurrentHashMap<>();

  /** The gRPC server's credentials with a watch added to each connection they negotiate. */
  public ServerCredentials credentials(ServerCredentials credentials) {
    InternalProtocolNegotiator.ServerFactory negotiators = InternalNettyServerCredentials.toNegotiator(requireNonNull(credentials, "credentials"));
    return InternalNettyServerCredentials.create(
        new InternalProtocolNegotiator.ServerFactory() {
          @Override
          public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> offloadExecutorPool) {
            // Every negotiator grpc-java makes is one of these; the cast only restates the type.
            InternalProtocolNegotiator.ProtocolNegotiator negotiator = (InternalProtocolNegotiator.ProtocolNegotiator) negotiators.newNegotiator(offloadExecutorPool);
            return new InternalProtocolNegotiator.ProtocolNegotiator() {
              @Override
              public AsciiString scheme() {
                return negotiator.scheme();
              }

              @Override
              public ChannelHandler newHandler(GrpcHttp2ConnectionHandler http2) {
                return new Watch(negotiator.newHandler(http2), http2);
              }

              @Override
              public void close() {
                negotiator.close();
              }
            };
          }
        });
  }

  /**
   * Empties the header table of the connection whose client is at {@code remote}, once: the call's
   * {@link io.grpc.Grpc#TRANSPORT_ATTR_REMOTE_ADDR}. Does nothing for an address no watched
   * connection has (in-process transports, a connection already released). Any thread.
   */
  public void release(SocketAddress remote) {
    Watch watch = remote == null ? null : waiting.remove(remote);
    if (watch != null) {
      watch.release();
    }
  }

  /** Connections watched now: open, and not released (tests). */
  int watching() {
    return waiting.size();
  }

  /**
   * Sits in front of the connection's negotiation handler, which it adds after itself. Owned by the
   * connection's event loop, like the pipeline it is part of.
   */
  private final class Watch extends ChannelInboundHandlerAdapter {
    private final ChannelHandler negotiation;
    private final GrpcHttp2ConnectionHandler http2;
    private ChannelHandlerContext context;
    private SocketAddress remote;

    Watch(ChannelHandler negotiation, GrpcHttp2ConnectionHandler http2) {
      this.negotiation = negotiation;
      this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      context = ctx;
      ctx.pipeline().addAfter(ctx.name(), null, negotiation);
      if (ctx.channel().isActive()) {
        register(ctx);
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      register(ctx);
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (remote != null) {
        waiting.remove(remote, this);
      }
      ctx.fireChannelInactive();
    }

    private void register(ChannelHandlerContext ctx) {
      if (remote == null) {
        remote = ctx.channel().remoteAddress();
        if (remote != null) {
          waiting.put(remote, this);
        }
      }
    }

    /** Any thread: the work is done on the connection's event loop. */
    void release() {
      context.executor().execute(this::sendEmptyTable);
    }

    private void sendEmptyTable() {
      if (context.isRemoved() || !context.channel().isActive()) {
        return;
      }
      ChannelHandlerContext http2Context = context.pipeline().context(http2);
      if (http2Context != null) {
        // The encoder keeps the settings until the client acknowledges them, then applies them.
        http2.encoder().writeSettings(http2Context, new Http2Settings().headerTableSize(0), http2Context.newPromise());
        http2Context.flush();
      }
      context.pipeline().remove(this);
    }
  }
}
