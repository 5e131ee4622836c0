package io.chatgateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client given event loops keeps a connection per loop, over real sockets: a call made on a loop
 * goes out on that loop's connection and its answer comes back on that loop; calls from other
 * threads use the connections in turn.
 */
class LoopAffineChannelTest {

  private final AtomicReference<SocketAddress> lastCaller = new AtomicReference<>();
  private Server core;
  private MultiThreadIoEventLoopGroup loops;
  private ChatServiceClient ownThread;
  private ChatServiceClient client; // ownThread's, on the loops

  @BeforeEach
  void start() throws Exception {
    ServerInterceptor recordCaller =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            lastCaller.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return next.startCall(call, headers);
          }
        };
    core =
        NettyServerBuilder.forAddress(new InetSocketAddress("localhost", 0))
            .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), recordCaller))
            .build()
            .start();
    loops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("test-loop", true), Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    ownThread =
        ChatServiceClient.connect(
            "localhost:" + core.getPort(),
            InsecureChannelCredentials.create(),
            new UpstreamConfig(Duration.ofSeconds(5), 3, Duration.ofSeconds(5), 1, false),
            CircuitBreaker.create(3, Duration.ofSeconds(5)));
    client = ownThread.onLoops("localhost:" + core.getPort(), InsecureChannelCredentials.create(), loops);
    assertSame(ownThread.breaker(), client.breaker(), "the loops' client shares the breaker");
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    ownThread.close();
    core.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @Test
  void aCallMadeOnALoopGoesOutOnThatLoopsConnectionAndIsAnsweredThere() throws Exception {
    EventLoop first = loops.next();
    EventLoop second = loops.next();
    assertNotEquals(first, second);

    // Twice from each, so that taking the connections in turn would not pass for affinity.
    Call fromFirst = callOn(first);
    Call againFromFirst = callOn(first);
    Call fromSecond = callOn(second);
    Call againFromSecond = callOn(second);
    for (Call call : java.util.List.of(fromFirst, againFromFirst, fromSecond, againFromSecond)) {
      assertEquals(call.loopThread, call.answeredOn, "answered on the loop that called");
    }
    assertNotEquals(fromFirst.caller, fromSecond.caller, "each loop has its own connection");
    assertEquals(fromFirst.caller, againFromFirst.caller, "and keeps using it");
    assertEquals(fromSecond.caller, againFromSecond.caller, "and keeps using it");

    Set<SocketAddress> fromElsewhere = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      call(Runnable::run);
      fromElsewhere.add(lastCaller.get());
    }
    assertEquals(Set.of(fromFirst.caller, fromSecond.caller), fromElsewhere, "calls from other threads take the connections in turn");
  }

  @Test
  void aLoopWhoseConnectionFailedUsesOneThatIsConnected() throws Exception {
    int deadPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort(); // nothing listens there once it is closed
    }
    EventLoop first = loops.next();
    EventLoop second = loops.next();
    ManagedChannel failed = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("localhost", deadPort).usePlaintext().eventLoopGroup(first).channelType(channelType()).directExecutor().build();
    ManagedChannel connected = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("localhost", core.getPort()).usePlaintext().eventLoopGroup(second).channelType(channelType()).directExecutor().build();
    LoopAffineChannel channel = new LoopAffineChannel(java.util.List.of(first, second), java.util.List.of(failed, connected));
    try {
      awaitState(failed, ConnectivityState.TRANSIENT_FAILURE);
      awaitState(connected, ConnectivityState.READY);

      assertEquals(connected, first.submit(channel::current).get(5, TimeUnit.SECONDS), "the first loop's calls go where a connection is");
      assertEquals(connected, second.submit(channel::current).get(5, TimeUnit.SECONDS));
      assertEquals(second.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS), HealthCalls.answeredOn(channel, first), "answered, on the connected channel's loop");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> channelType() {
    return Epoll.isAvailable()
        ? io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel.class
        : io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel.class;
  }

  private record Call(SocketAddress caller, String loopThread, String answeredOn) {}

  private Call callOn(EventLoop loop) throws Exception {
    String loopThread = loop.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
    String answeredOn = call(loop);
    return new Call(lastCaller.get(), loopThread, answeredOn);
  }

  /** Waits, without polling, until {@code channel} is in {@code wanted}; asks it to connect if idle. */
  private static void awaitState(ManagedChannel channel, ConnectivityState wanted) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    Runnable[] check = new Runnable[1];
    check[0] =
        () -> {
          ConnectivityState now = channel.getState(true);
          if (now == wanted) {
            reached.complete(null);
          } else {
            channel.notifyWhenStateChanged(now, check[0]);
          }
        };
    check[0].run();
    reached.get(10, TimeUnit.SECONDS);
  }

  /** Makes a health check through the client from {@code where}; returns the thread its answer arrived on. */
  private String call(java.util.concurrent.Executor where) throws Exception {
    return HealthCalls.answeredOn(client.channel(), where);
  }
}
