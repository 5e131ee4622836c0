package io.chatgateway.gateway.testing;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real gateway (embedded core unless the environment names one) on a free port before a test
 * class and stops it after; clients reach it over a real socket. Register with {@code
 * @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(...)}.
 */
public final class GatewayExtension implements BeforeAllCallback, AfterAllCallback {

  private final Supplier<Map<String, String>> overrides;
  private GatewayServer server;
  private ManagedChannel channel;

  private GatewayExtension(Supplier<Map<String, String>> overrides) {
    this.overrides = overrides;
  }

  /** A gateway verifying HS256 tokens from {@link TestTokens}, plus {@code overrides}. */
  public static GatewayExtension withEnv(Map<String, String> overrides) {
    return new GatewayExtension(() -> overrides);
  }

  /** As {@link #withEnv(Map)}, with overrides computed at start (after other extensions picked ports). */
  public static GatewayExtension withEnv(Supplier<Map<String, String>> overrides) {
    return new GatewayExtension(overrides);
  }

  private static Map<String, String> environment(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("GRPC_PORT", "0");
    env.put("HTTP_PORT", "0");
    env.put("JWT_HMAC_SECRET", TestTokens.SECRET);
    env.put("OAUTH2_ISSUER", TestTokens.ISSUER);
    env.putAll(overrides);
    env.values().removeIf(v -> v == null || v.isEmpty());
    return env;
  }

  /**
   * Starts a gateway as this extension does ({@link TestTokens}, free ports), plus {@code
   * overrides}; an empty value removes a default. For tests that start gateways themselves. The
   * caller closes it.
   */
  public static GatewayServer start(Map<String, String> overrides) throws IOException {
    return GatewayServer.start(GatewayConfig.fromEnvironment(environment(overrides)));
  }

  public static GatewayExtension standard() {
    return withEnv(Map.of());
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = start(overrides.get());
    channel = NettyChannelBuilder.forAddress("localhost", server.grpcPort()).usePlaintext().build();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  public GatewayServer server() {
    return server;
  }

  public ManagedChannel channel() {
    return channel;
  }

  /** A blocking stub authenticated as {@code profileId} on {@code deviceId}, with a 10 s deadline. */
  public ChatServiceGrpc.ChatServiceBlockingStub as(String profileId, String deviceId) {
    return ChatServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(bearer(TestTokens.valid(profileId, deviceId)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  public ChatServiceGrpc.ChatServiceBlockingStub as(String profileId) {
    return as(profileId, "phone");
  }

  /** Sends a text message to {@code roomId} as {@code profileId} through the gateway; returns the stored event. */
  public RoomEvent sendText(String profileId, String roomId, String text) {
    return as(profileId)
        .sendEvent(
            SendEventRequest.newBuilder()
                .setRoomId(roomId)
                .setEvent(
                    RoomEvent.newBuilder()
                        .setType(EventType.EVENT_TYPE_MESSAGE)
                        .setText(TextPayload.newBuilder().setText(text)))
                .build())
        .getEvent();
  }

  /** Creates a room owned by {@code owner} with {@code members} through the gateway; returns its id. */
  public String createRoom(String owner, String... members) {
    CreateRoomRequest.Builder request =
        CreateRoomRequest.newBuilder().setRoomId("room-" + UUID.randomUUID().toString().substring(0, 8)).setName("test");
    for (String member : members) {
      request.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId(member));
    }
    return as(owner).createRoom(request.build()).getRoom().getId();
  }

  /** The gateway's {@code /metrics} text, from its internal port when it has one. */
  public String metricsText() {
    int port = server.internalPort().orElse(server.httpPort());
    try {
      return HttpClient.newHttpClient()
          .send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("cannot read /metrics", e);
    }
  }

  /**
   * The value of the first line of {@code series} (a name, with any labels) on the gateway's {@code
   * /metrics}, or 0 when it is not there.
   */
  public long metric(String series) {
    for (String line : metricsText().split("\n")) {
      if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** Call credentials sending {@code authorization: <value>} verbatim. */
  public static CallCredentials authorization(String value) {
    return BearerCredentials.rawHeader(value);
  }

  public static CallCredentials bearer(String token) {
    return BearerCredentials.of(token);
  }
}
