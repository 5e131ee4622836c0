package io.chatgateway.gateway.transport.grpc;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.IoEventLoop;
import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.SingleThreadIoEventLoop;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.RejectedExecutionHandlers;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server's event loops: the threads that read and write device connections and, since
 * sessions run on their connection's loop, run the sessions too. Owned by the gateway, which closes
 * them after the server has terminated.
 *
 * <p>Why not grpc-java's default loops: Netty 4.2's loop runs its queued tasks for up to a second
 * per turn before it reads its sockets again (a system property can lower that to 100 ms, no
 * further). Under fan-out load a loop's queue never runs dry (every delivery to a session is a
 * task, and so is grpc-java's flush of each stream), so a publisher's frame waited in its socket
 * behind them: with 2,000 subscribers, most of the gateway's publish-to-deliver p99 was spent before
 * its bytes were read ({@code bench/results/fanout-latency-split.md}, {@code fanout-task-turn.md}).
 * These loops go back to their sockets after {@link #TASK_TURN} of tasks.
 */
public final class DeviceEventLoops implements AutoCloseable {

  /** Longest a loop runs queued tasks before it reads and writes its sockets again. */
  static final Duration TASK_TURN = Duration.ofMillis(1);

  private final MultiThreadIoEventLoopGroup boss;
  private final MultiThreadIoEventLoopGroup workers;
  private final Class<? extends ServerChannel> channelType;

  /**
   * @param threads worker loops; device connections are dealt to them in turn
   */
  public DeviceEventLoops(int threads) {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("grpc-accept", true), io);
    this.workers = new ShortTurnGroup(threads, io);
  }

  /** Accepts connections. */
  EventLoopGroup boss() {
    return boss;
  }

  /**
   * Serve them. A client may put connections of its own on them (the core's, for the calls devices
   * make), so that what a loop relays is written and read by the loop itself.
   */
  public EventLoopGroup workers() {
    return workers;
  }

  Class<? extends ServerChannel> channelType() {
    return channelType;
  }

  /** Stops the loops; call once the server that uses them has terminated. Waits at most two seconds. */
  @Override
  public void close() {
    boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
  }

  /** Worker loops whose task turns end after {@link #TASK_TURN}. */
  private static final class ShortTurnGroup extends MultiThreadIoEventLoopGroup {
    ShortTurnGroup(int threads, IoHandlerFactory io) {
      super(threads, new DefaultThreadFactory("grpc-device", true), io);
    }

    @Override
    protected IoEventLoop newChild(Executor executor, IoHandlerFactory io, Object... args) {
      return new SingleThreadIoEventLoop(this, executor, io, Integer.MAX_VALUE, RejectedExecutionHandlers.reject(), TASK_TURN.toMillis());
    }
  }
}
