package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's long-lived client for one core.
 *
 * <p>Owns its channel: one HTTP/2 connection (re-established by gRPC after failures), or one per
 * event loop it was given, multiplexes every call of every device. {@link #channel()} is the
 * decorated channel to make calls on; it applies, from the outside in, the gateway's own token
 * (with service credentials), the caller's identity, the circuit breaker, and the deadline.
 * Thread-safe; close it once at shutdown.
 */
public final class ChatServiceClient implements AutoCloseable {

  private final ManagedChannel managedChannel;
  private final Channel channel;
  private final UpstreamConfig config;
  private final CircuitBreaker breaker;
  private final Optional<ServiceToken> serviceToken;
  /** Releases what the channel's builder made for it (its I/O thread); set once, before use. */
  private volatile Runnable onTermination = () -> {};

  private ChatServiceClient(ManagedChannel managedChannel, UpstreamConfig config, CircuitBreaker breaker) {
    this(
        managedChannel,
        config,
        breaker,
        config.serviceCredentials().map(credentials -> new ServiceToken(credentials, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), System::nanoTime)));
  }

  private ChatServiceClient(ManagedChannel managedChannel, UpstreamConfig config, CircuitBreaker breaker, Optional<ServiceToken> serviceToken) {
    this.managedChannel = managedChannel;
    this.config = config;
    this.breaker = breaker;
    this.serviceToken = serviceToken;
    // ClientInterceptors.intercept runs the last interceptor first.
    Channel decorated =
        ClientInterceptors.intercept(
            managedChannel,
            new DeadlineInterceptor(config.callTimeout()),
            new CircuitBreakerInterceptor(breaker),
            new IdentityInterceptor());
    this.channel = serviceToken.map(token -> ClientInterceptors.intercept(decorated, withCredentials(new ServiceCallCredentials(token)))).orElse(decorated);
  }

  /** Every call carries {@code credentials}, whatever its own call options say. */
  private static ClientInterceptor withCredentials(CallCredentials credentials) {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        return next.newCall(method, options.withCallCredentials(credentials));
      }
    };
  }

  /** The gateway's own token for the core, when it has service credentials. */
  public Optional<ServiceToken> serviceToken() {
    return serviceToken;
  }

  /**
   * Connects to a core at {@code target} ({@code host:port}, or any gRPC target such as {@code
   * dns:///core.chat:50052}).
   */
  public static ChatServiceClient connect(String target, UpstreamConfig config, CircuitBreaker breaker) {
    return connect(target, credentials(config), config, breaker);
  }

  /** The connection's credentials without files of one's own: TLS with the system's CAs, or plaintext ({@code config.useTls()}). */
  private static ChannelCredentials credentials(UpstreamConfig config) {
    return config.useTls() ? TlsChannelCredentials.create() : InsecureChannelCredentials.create();
  }

  /**
   * As {@link #connect(String, UpstreamConfig, CircuitBreaker)} with {@code credentials} for the
   * connection: TLS with a CA of one's own or a client certificate (mTLS), which may change while
   * the channel lives (new connections use what they hold then).
   */
  public static ChatServiceClient connect(String target, ChannelCredentials credentials, UpstreamConfig config, CircuitBreaker breaker) {
    requireNonNull(target, "target");
    requireNonNull(credentials, "credentials");
    // Its own I/O thread: on grpc-java's shared worker group the core's connection would share an
    // event loop with device streams, and a storm of devices keeping that loop busy would keep the
    // core's answers unread until their deadlines passed (10,000 devices subscribing at once did).
    EventLoopGroup loop =
        new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("chat-upstream", true), Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    ChatServiceClient client = new ChatServiceClient(remote(NettyChannelBuilder.forTarget(target, credentials).eventLoopGroup(loop).channelType(socketChannelType()), config), config, breaker);
    client.onTermination = () -> loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    return client;
  }

  /** The socket type of the loops this client makes or is given: epoll where Netty has it, as theirs. */
  private static Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> socketChannelType() {
    return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** A connection to a remote core, however its loops are chosen. */
  private static ManagedChannel remote(NettyChannelBuilder builder, UpstreamConfig config) {
    return configured(
        builder
            // Keep the connection warm and notice a dead core between bursts of calls.
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            // Answers are handed on where they arrive: forwarding relays them to the caller's stream
            // and sessions complete futures whose continuations hop to their own executors; nothing
            // blocks, and a hop to a pool thread per answer was most of what forwarding cost.
            .directExecutor(),
        config);
  }

  /**
   * A second client to the core at {@code target}, the one this client reaches, with a connection
   * per event loop of {@code loops} instead of an I/O thread of its own, and this client's
   * configuration, breaker and service token (one token serves both). A call made on one of those
   * loops goes out on that loop's connection and is answered there, so relaying a device's call to
   * the core and its answer back costs no hop between threads (on this 2-core machine a bare proxy
   * whose core connection had a thread of its own lost 9% of its unary throughput to those hops).
   * Calls made on other threads take the connections in turn. The loops must not run tasks for long
   * without reading their sockets, or the core's answers wait behind them; they belong to the
   * caller, who closes them after the new client. The gateway relays its devices' unary calls this
   * way, but not its sessions' calls: a storm of 10,000 devices subscribing at once on the same
   * loops left the core's answers unread past their deadlines
   * (bench/results/forwarding-loop-affine.md). Close the new client as well as this one.
   */
  public ChatServiceClient onLoops(String target, ChannelCredentials credentials, EventLoopGroup loops) {
    requireNonNull(target, "target");
    requireNonNull(credentials, "credentials");
    List<EventExecutor> executors = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (EventExecutor loop : loops) {
      executors.add(loop);
      channels.add(remote(NettyChannelBuilder.forTarget(target, credentials).eventLoopGroup((EventLoop) loop).channelType(socketChannelType()), config));
    }
    return new ChatServiceClient(new LoopAffineChannel(executors, channels), config, breaker, serviceToken);
  }

  /** As {@link #onLoops(String, ChannelCredentials, EventLoopGroup)}, the connections plaintext or TLS with the system's CAs as configured. */
  public ChatServiceClient onLoops(String target, EventLoopGroup loops) {
    return onLoops(target, credentials(config), loops);
  }

  /**
   * Builds a client over any channel builder (the in-process transport for an embedded core and in
   * tests). Retries and the service config are set here.
   */
  public static ChatServiceClient over(
      ManagedChannelBuilder<?> builder, UpstreamConfig config, CircuitBreaker breaker) {
    return new ChatServiceClient(configured(builder, config), config, breaker);
  }

  /** Retries and the service config, the same for every channel to a core. */
  private static ManagedChannel configured(ManagedChannelBuilder<?> builder, UpstreamConfig config) {
    return builder.defaultServiceConfig(RetryPolicy.serviceConfig(config.readRetryAttempts())).enableRetry().build();
  }

  /** The decorated channel: calls made inside a served call's context carry its identity and deadline. */
  public Channel channel() {
    return channel;
  }

  /** A blocking stub on {@link #channel()}. */
  public ChatServiceGrpc.ChatServiceBlockingStub blockingStub() {
    return ChatServiceGrpc.newBlockingStub(channel);
  }

  /** An async stub on {@link #channel()}. */
  public ChatServiceGrpc.ChatServiceStub asyncStub() {
    return ChatServiceGrpc.newStub(channel);
  }

  /** The breaker guarding this client; readiness and metrics read its state. */
  public CircuitBreaker breaker() {
    return breaker;
  }

  /**
   * While the breaker is not closed, sends a health check through it every {@code interval}, so the
   * breaker learns that the core is back even when no device is calling (a gateway that reports
   * NOT_SERVING may get no traffic at all). Any answer, even UNIMPLEMENTED from a core without a
   * health service, proves the core reachable.
   *
   * @return the scheduled task; cancel it at shutdown
   */
  public ScheduledFuture<?> startRecoveryProbe(ScheduledExecutorService scheduler, Duration interval) {
    long millis = interval.toMillis();
    return scheduler.scheduleWithFixedDelay(
        () -> {
          if (breaker.state() != CircuitBreaker.State.CLOSED) {
            HealthGrpc.newFutureStub(channel).check(HealthCheckRequest.getDefaultInstance());
          }
        },
        millis,
        millis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * Connections waiting out a reconnect backoff try again now. For when the core is known to be back
   * (another client sharing the breaker reached it): a connection left in its backoff would fail
   * calls at once for up to two minutes after a long outage. Any thread; returns at once.
   */
  public void resetConnectBackoff() {
    managedChannel.resetConnectBackoff();
  }

  /** Stops new calls and waits up to {@code timeoutMillis} for calls in flight, then cuts them. */
  public void shutdown(long timeoutMillis) throws InterruptedException {
    managedChannel.shutdown();
    if (!managedChannel.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
      managedChannel.shutdownNow();
    }
    onTermination.run();
  }

  @Override
  public void close() {
    managedChannel.shutdownNow();
    onTermination.run();
  }
}
