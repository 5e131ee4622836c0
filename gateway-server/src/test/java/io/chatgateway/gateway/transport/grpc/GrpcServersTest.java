package io.chatgateway.gateway.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.AuthInterceptor;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.forward.RawBytesMarshaller;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.TestTokens;
import io.grpc.InsecureServerCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the gateway's gRPC server runs a call, over a real socket: a call whose token verifies
 * locally runs wholly on its connection's event loop, with no hop to the pool even to start it; a
 * call without a token runs on the pool.
 */
class GrpcServersTest {

  private static final MethodDescriptor<byte[], byte[]> WHICH_THREADS =
      MethodDescriptor.newBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE)
          .setFullMethodName("test.Threads/Which")
          .setType(MethodDescriptor.MethodType.UNARY)
          .build();

  private final AtomicInteger poolThreads = new AtomicInteger();
  private final ExecutorService pool = Executors.newCachedThreadPool(task -> new Thread(task, "test-pool-" + poolThreads.incrementAndGet()));
  private final HeaderTableRelease headerTables = new HeaderTableRelease();
  private final DeviceEventLoops loops = new DeviceEventLoops(2);
  private final ThreadRecorder recorder = new ThreadRecorder();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    JwtVerifier verifier = JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER))), null);
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Threads").addMethod(WHICH_THREADS, recorder).build();
    server = GrpcServers.builder(0, InsecureServerCredentials.create(), headerTables, loops, pool, verifier, List.of(service), Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO).build().start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loops.close();
    pool.shutdownNow();
  }

  @Test
  void aCallWithALocallyVerifiedTokenRunsOnTheEventLoopFromItsStart() {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + TestTokens.valid("alice", "phone"));
    String[] threads = call(headers);
    assertTrue(threads[0].startsWith("grpc-device"), "startCall ran on " + threads[0]);
    assertEquals(threads[0], threads[1], "the request and half-close arrive on the same loop");
    assertEquals(0, poolThreads.get(), "no pool thread was started");
  }

  @Test
  void aCallWithoutATokenRunsOnThePool() {
    String[] threads = call(new Metadata());
    assertTrue(threads[0].startsWith("test-pool-"), "startCall ran on " + threads[0]);
    assertTrue(threads[1].startsWith("test-pool-"), "half-close ran on " + threads[1]);
  }

  @Test
  void connectionsWatchedForTheirHeaderTablesAreLetGoWhenTheyClose() throws InterruptedException {
    call(new Metadata());
    List<ManagedChannel> others = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ManagedChannel other = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
      others.add(other);
      ClientCalls.blockingUnaryCall(other, WHICH_THREADS, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
    }
    Await.until(Duration.ofSeconds(5), () -> headerTables.watching() == 11, () -> "11 open connections watched: " + headerTables.watching());
    for (ManagedChannel other : others) {
      other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    Await.until(Duration.ofSeconds(5), () -> headerTables.watching() == 1, () -> "only the open one left: " + headerTables.watching());
  }

  @Test
  void deviceConnectionsAreDealtEvenlyOverTheLoops() throws InterruptedException {
    Map<String, Integer> connectionsPerLoop = new TreeMap<>();
    for (int i = 0; i < 8; i++) {
      ManagedChannel other = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
      try {
        Channel withToken = ClientInterceptors.intercept(other, MetadataUtils.newAttachHeadersInterceptor(aliceToken()));
        byte[] answer = ClientCalls.blockingUnaryCall(withToken, WHICH_THREADS, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
        connectionsPerLoop.merge(new String(answer, StandardCharsets.UTF_8).split("\n")[0], 1, Integer::sum);
      } finally {
        other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertEquals(List.of(4, 4), List.copyOf(connectionsPerLoop.values()), "connections per loop: " + connectionsPerLoop);
  }

  /**
   * A loop whose task queue never runs dry, as under fan-out (every delivery to a session is a
   * task), still reads its sockets: Netty's default loop would run the tasks for up to a second
   * before reading again, and the call below would wait for the flood to end.
   */
  @Test
  void aLoopReadsItsSocketsBetweenTurnsOfQueuedTasks() {
    call(aliceToken()); // the connection is up, and the recorder knows its loop
    Executor loop = recorder.lastLoop;
    AtomicBoolean answered = new AtomicBoolean();
    AtomicBoolean answeredWhileFlooded = new AtomicBoolean();
    AtomicBoolean floodOver = new AtomicBoolean();
    long floodEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
    loop.execute(new Runnable() {
      @Override
      public void run() {
        if (answered.get() || System.nanoTime() > floodEnds) {
          answeredWhileFlooded.set(answered.get());
          floodOver.set(true);
        } else {
          loop.execute(this); // the next task, queued behind whatever arrived meanwhile
        }
      }
    });
    call(aliceToken());
    answered.set(true);
    Await.until(Duration.ofSeconds(5), floodOver::get, "the flood ended");
    assertTrue(answeredWhileFlooded.get(), "the second call was read and answered while the loop still had tasks queued");
  }

  private static Metadata aliceToken() {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + TestTokens.valid("alice", "phone"));
    return headers;
  }

  /** The threads that ran the call's {@code startCall} and {@code onHalfClose}. */
  private String[] call(Metadata headers) {
    Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    byte[] answer = ClientCalls.blockingUnaryCall(withHeaders, WHICH_THREADS, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
    return new String(answer, StandardCharsets.UTF_8).split("\n");
  }

  /** Answers with the names of the threads that started the call and that saw its half-close. */
  private static final class ThreadRecorder implements ServerCallHandler<byte[], byte[]> {
    /** The event loop that started the latest call, if a loop did. */
    volatile Executor lastLoop;

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      String started = Thread.currentThread().getName();
      Executor loop = ThreadExecutorMap.currentExecutor();
      if (loop != null) {
        lastLoop = loop;
      }
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          call.sendHeaders(new Metadata());
          call.sendMessage((started + "\n" + Thread.currentThread().getName()).getBytes(StandardCharsets.UTF_8));
          call.close(Status.OK, new Metadata());
        }
      };
    }
  }
}
