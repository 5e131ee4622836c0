package io.chatgateway.gateway.transport.grpc;

import io.chatgateway.gateway.auth.JwtVerifier;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** The gateway's Netty gRPC server, with the connection limits every device port needs. */
public final class GrpcServers {

  private GrpcServers() {}

  /**
   * A server on {@code port} serving {@code services} on the transport thread for calls whose token
   * {@code verifier} checks without blocking, and on {@code executor} for the others ({@link
   * CallExecutors}).
   *
   * @param helloWindow a connection must open a call within it, and one with no call left for that
   *     long gets GOAWAY (clients reconnect on their next call): nobody holds a connection without
   *     ever authenticating
   * @param maxConnectionAge zero: connections live as long as they are used
   * @param credentials TLS or plaintext ({@link io.grpc.InsecureServerCredentials})
   * @param headerTables watches the connections, so that the device streams among {@code services}
   *     can release their header tables
   * @param loops the threads that serve the connections (and run the device sessions)
   */
  public static NettyServerBuilder builder(
      int port,
      ServerCredentials credentials,
      HeaderTableRelease headerTables,
      DeviceEventLoops loops,
      Executor executor,
      JwtVerifier verifier,
      List<ServerServiceDefinition> services,
      Duration helloWindow,
      Duration maxConnectionAge,
      Duration maxConnectionAgeGrace) {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(port), headerTables.credentials(credentials))
            .bossEventLoopGroup(loops.boss())
            .workerEventLoopGroup(loops.workers())
            .channelType(loops.channelType())
            // Direct, so that choosing a call's executor costs no hop of its own (see CallExecutors).
            .directExecutor()
            .callExecutor(new CallExecutors(verifier, executor))
            .maxInboundMessageSize(4 * 1024 * 1024)
            .maxConcurrentCallsPerConnection(100)
            // RST_STREAM flood protection (CVE-2023-44487): at most 200 resets per 10 s per connection.
            .maxRstFramesPerWindow(200, 10)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxConnectionIdle(helloWindow.toMillis(), TimeUnit.MILLISECONDS);
    services.forEach(builder::addService);
    if (!maxConnectionAge.isZero()) {
      builder
          .maxConnectionAge(maxConnectionAge.toSeconds(), TimeUnit.SECONDS)
          .maxConnectionAgeGrace(maxConnectionAgeGrace.toSeconds(), TimeUnit.SECONDS);
    }
    return builder;
  }
}
