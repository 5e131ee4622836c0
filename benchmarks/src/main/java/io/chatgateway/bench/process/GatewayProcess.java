package io.chatgateway.bench.process;

import io.chatgateway.bench.loadgen.DeviceTokens;
import io.chatgateway.device.BearerCredentials;
import io.chatgateway.proto.v1.AddRoomSubscriptionsRequest;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packaged gateway ({@code gateway-server/target/chat-gateway.jar}) as a process of its own, as it
 * is deployed, configured only through its environment: HMAC tokens from {@link DeviceTokens}, the
 * embedded core unless {@code CHAT_SERVICE_URI} is given, limits raised where a benchmark would
 * otherwise measure the limit instead of the gateway.
 */
public final class GatewayProcess implements AutoCloseable {

  /** Heap the measured gateway runs with; the same for the bare reference. */
  public static final List<String> JVM_FLAGS = List.of("-Xms256m", "-Xmx2g");

  private final ChildProcess process;
  private final int grpcPort;
  private final int httpPort;

  private GatewayProcess(ChildProcess process, int grpcPort, int httpPort) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.httpPort = httpPort;
  }

  /** Starts the gateway with {@code extraEnv} over the benchmark defaults and waits until it listens. */
  public static GatewayProcess start(Path jar, int grpcPort, Map<String, String> extraEnv) {
    return start(jar, grpcPort, ChildProcess.freePort(), extraEnv);
  }

  /** As {@link #start(Path, int, Map)} on given ports, as a gateway restarted in place takes its old ones. */
  public static GatewayProcess start(Path jar, int grpcPort, int httpPort, Map<String, String> extraEnv) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing; bench/run.sh builds it (./mvnw package)");
    }
    Map<String, String> env = new HashMap<>();
    env.put("GRPC_PORT", Integer.toString(grpcPort));
    env.put("HTTP_PORT", Integer.toString(httpPort));
    env.put("JWT_HMAC_SECRET", DeviceTokens.SECRET);
    env.put("OAUTH2_ISSUER", DeviceTokens.ISSUER);
    env.put("LOG_LEVEL", "warn");
    env.put("CONNECTION_TIMEOUT_SEC", "3600");
    env.put("HEARTBEAT_INTERVAL_SEC", "600");
    env.put("MAX_EVENTS_PER_SECOND", "1000000");
    env.putAll(extraEnv);
    List<String> flags = new ArrayList<>(JVM_FLAGS);
    flags.addAll(ProcessProbe.MEASURED_JVM_FLAGS);
    // For profiling a run: BENCH_GATEWAY_JVM_FLAGS="-XX:StartFlightRecording=settings=profile", then
    // `jcmd <gateway pid> JFR.dump filename=...` while it runs (the harness ends gateways with SIGKILL).
    String extra = System.getenv().getOrDefault("BENCH_GATEWAY_JVM_FLAGS", "").trim();
    if (!extra.isEmpty()) {
      flags.addAll(List.of(extra.split("\\s+")));
    }
    ChildProcess process = ChildProcess.startJar("gateway", flags, jar, List.of(), env, line -> {});
    try {
      process.awaitPort(grpcPort, Duration.ofSeconds(60));
      process.awaitPort(httpPort, Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    return new GatewayProcess(process, grpcPort, httpPort);
  }

  public int grpcPort() {
    return grpcPort;
  }

  public int httpPort() {
    return httpPort;
  }

  public ChildProcess process() {
    return process;
  }

  /**
   * Creates rooms {@code r-0 ..} for devices {@code 0 .. devices-1}, {@code roomSize} members each, as
   * {@link DeviceTokens} assigns them, through this gateway's forwarded RPCs.
   */
  public void createRooms(int devices, int roomSize) {
    createRooms(grpcPort, devices, roomSize);
  }

  /** As {@link #createRooms(int, int)}, against any gateway port. */
  public static void createRooms(int grpcPort, int devices, int roomSize) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      ChatServiceGrpc.ChatServiceBlockingStub owner =
          ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(BearerCredentials.of(DeviceTokens.token("bench-owner")));
      for (int first = 0; first < devices; first += roomSize) {
        String room = DeviceTokens.room(first, roomSize);
        try {
          owner.createRoom(CreateRoomRequest.newBuilder().setRoomId(room).setName(room).build());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
            throw e;
          }
        }
        for (int batch = first; batch < Math.min(devices, first + roomSize); batch += 500) {
          AddRoomSubscriptionsRequest.Builder members = AddRoomSubscriptionsRequest.newBuilder().setRoomId(room);
          for (int device = batch; device < Math.min(Math.min(devices, first + roomSize), batch + 500); device++) {
            members.addMembers(SubscriptionSpec.newBuilder().setProfileId(DeviceTokens.profile(device)));
          }
          owner.addRoomSubscriptions(members.build());
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  /** The gateway's Prometheus scrape ({@code /metrics}), as text. */
  public String scrapeMetrics() {
    try {
      java.net.http.HttpResponse<String> response =
          java.net.http.HttpClient.newHttpClient()
              .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("scraping the gateway's metrics", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scraping the gateway's metrics", e);
    }
  }

  @Override
  public void close() {
    process.close();
  }
}
