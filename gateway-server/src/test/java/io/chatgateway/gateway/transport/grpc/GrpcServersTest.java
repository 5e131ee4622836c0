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
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    JwtVerifier verifier = JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", TestTokens.SECRET, "OAUTH2_ISSUER", TestTokens.ISSUER))), null);
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Threads").addMethod(WHICH_THREADS, new ThreadRecorder()).build();
    server = GrpcServers.builder(0, InsecureServerCredentials.create(), headerTables, pool, verifier, List.of(service), Duration.ofSeconds(30), Duration.ZERO, Duration.ZERO).build().start();
    channel = NettyChannelBuilder.forAddress("localhost", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    pool.shutdownNow();
  }

  @Test
  void aCallWithALocallyVerifiedTokenRunsOnTheEventLoopFromItsStart() {
    Metadata headers = new Metadata();
    headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + TestTokens.valid("alice", "phone"));
    String[] threads = call(headers);
    assertTrue(threads[0].startsWith("grpc-default-worker") || threads[0].startsWith("grpc-nio-worker"), "startCall ran on " + threads[0]);
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

  /** The threads that ran the call's {@code startCall} and {@code onHalfClose}. */
  private String[] call(Metadata headers) {
    Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    byte[] answer = ClientCalls.blockingUnaryCall(withHeaders, WHICH_THREADS, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]);
    return new String(answer, StandardCharsets.UTF_8).split("\n");
  }

  /** Answers with the names of the threads that started the call and that saw its half-close. */
  private static final class ThreadRecorder implements ServerCallHandler<byte[], byte[]> {
    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      String started = Thread.currentThread().getName();
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
