package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokenEndpoint;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.Room;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway proves itself to a standalone core: a real core process-in-JVM ({@code core} command)
 * that trusts only the gateway client's tokens, a real gateway that gets its token from a local
 * OAuth2 token endpoint with the client credentials grant (its secret from a file), and callers who
 * go to the core's port directly with forged identity metadata.
 */
class GatewayCredentialsEndToEndTest {

  static final String CORE_AUDIENCE = "service_chat_core";
  static final String GATEWAY_CLIENT = "chat-gateway-1";
  static final String GATEWAY_SECRET = "secret-of-the-gateway-client";

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  @TempDir static Path dir;
  static TestTokenEndpoint idp;
  static CoreCommand.Running core;
  static GatewayServer gateway;
  static ManagedChannel toGateway;
  static ManagedChannel toCore;

  @BeforeAll
  static void start() throws Exception {
    idp = TestTokenEndpoint.start(CORE_AUDIENCE, Duration.ofMinutes(10)).client(GATEWAY_CLIENT, GATEWAY_SECRET).client("intruder", "intruder-secret");
    core =
        CoreCommand.start(
            Map.of(
                "CACHE_URI", redis.cacheUri(),
                "CORE_PORT", "0",
                "CORE_TRUSTED_CLIENTS", GATEWAY_CLIENT,
                "JWT_HMAC_SECRET", TestTokens.SECRET,
                "OAUTH2_ISSUER", TestTokens.ISSUER));
    Path secretFile = dir.resolve("client-secret");
    Files.writeString(secretFile, GATEWAY_SECRET + "\n");
    gateway = GatewayExtension.start(gatewayEnv(Map.of("JWT_CLIENT_SECRET_FILE", secretFile.toString())));
    toGateway = NettyChannelBuilder.forAddress("localhost", gateway.grpcPort()).usePlaintext().build();
    toCore = NettyChannelBuilder.forAddress("localhost", core.port()).usePlaintext().build();
  }

  static Map<String, String> gatewayEnv(Map<String, String> secret) {
    Map<String, String> env = new HashMap<>(secret);
    env.put("CHAT_SERVICE_URI", "localhost:" + core.port());
    env.put("CACHE_URI", redis.cacheUri());
    env.put("OAUTH2_TOKEN_ENDPOINT", idp.uri().toString());
    env.put("JWT_CLIENT_ID", GATEWAY_CLIENT);
    return env;
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (ManagedChannel channel : new ManagedChannel[] {toGateway, toCore}) {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    if (gateway != null) {
      gateway.close();
    }
    if (core != null) {
      core.close();
    }
    if (idp != null) {
      idp.close();
    }
  }

  private static ChatServiceGrpc.ChatServiceBlockingStub throughGateway(ManagedChannel channel, String profile) {
    return ChatServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(GatewayExtension.bearer(TestTokens.valid(profile, "phone")))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Straight to the core, claiming to be {@code victim}, with {@code authorization} if not null. */
  private static ChatServiceGrpc.ChatServiceBlockingStub forged(String victim, String authorization) {
    Metadata headers = new Metadata();
    headers.put(CallerIdentity.PROFILE_ID_KEY, victim);
    if (authorization != null) {
      headers.put(AuthInterceptor.AUTHORIZATION, authorization);
    }
    return ChatServiceGrpc.newBlockingStub(toCore).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static String refusedByTheCore(ChatServiceGrpc.ChatServiceBlockingStub stub) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.createRoom(CreateRoomRequest.newBuilder().setName("taken over").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.toString());
    return refused.getStatus().getDescription();
  }

  @Test
  void theGatewaysCallsActForTheirUsersWithOneTokenOfItsOwn() {
    int before = idp.issued();
    Room room =
        throughGateway(toGateway, "alice")
            .createRoom(CreateRoomRequest.newBuilder().setName("with credentials").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("bob")).build())
            .getRoom();
    assertEquals("alice", room.getCreatedBy(), room.toString());
    assertEquals(room.getId(), throughGateway(toGateway, "bob").getRoom(GetRoomRequest.newBuilder().setRoomId(room.getId()).build()).getRoom().getId());
    try (DeviceClient device = DeviceClient.connect(toGateway, TestTokens.valid("alice", "tablet"), "alice")) {
      device.hello();
      device.subscribe(room.getId());
    }
    assertTrue(idp.issued() - before <= 1, "one token serves every call: " + (idp.issued() - before) + " issued");
    assertTrue(idp.issued() >= 1);
  }

  @Test
  void forgedIdentityStraightToTheCoreIsRefused() {
    assertTrue(refusedByTheCore(forged("victim", null)).contains("no authorization token"));
    // A user's own valid token is for the gateway's audience, not the core's.
    assertTrue(refusedByTheCore(forged("victim", "Bearer " + TestTokens.valid("victim", "phone"))).contains("token rejected"));
    // A token the IdP issued to another client, for the core's audience: verified, but not a gateway.
    String intruder = new io.chatgateway.client.ServiceToken(
            new io.chatgateway.client.ClientCredentials(idp.uri(), "intruder", "intruder-secret", java.util.Optional.empty()),
            java.net.http.HttpClient.newHttpClient(),
            System::nanoTime)
        .get()
        .join();
    assertTrue(refusedByTheCore(forged("victim", "Bearer " + intruder)).contains("intruder is not in CORE_TRUSTED_CLIENTS"));
    // Probes need no token.
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(toCore).check(HealthCheckRequest.getDefaultInstance()).getStatus());
  }

  @Test
  void aGatewayTheTokenEndpointRefusesSaysWhyAndTheCoreSeesNothing() throws Exception {
    GatewayServer wrong = GatewayExtension.start(gatewayEnv(Map.of("JWT_CLIENT_SECRET", "not-the-secret")));
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", wrong.grpcPort()).usePlaintext().build();
    try {
      StatusRuntimeException refused =
          assertThrows(StatusRuntimeException.class, () -> throughGateway(channel, "alice").createRoom(CreateRoomRequest.newBuilder().setName("no token").build()));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
      assertTrue(refused.getStatus().getDescription().contains("answered HTTP 401: invalid_client"), refused.getStatus().getDescription());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      wrong.close();
    }
  }

  @Test
  void theSameForgeryWorksOnACoreThatTrustsTheNetworkSoTheRefusalAboveIsTheChecks() throws Exception {
    try (CoreCommand.Running open = CoreCommand.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true"))) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", open.port()).usePlaintext().build();
      try {
        Metadata headers = new Metadata();
        headers.put(CallerIdentity.PROFILE_ID_KEY, "victim");
        Room room =
            ChatServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .createRoom(CreateRoomRequest.newBuilder().setName("taken over").build())
                .getRoom();
        assertEquals("victim", room.getCreatedBy(), "CORE_TRUST_NETWORK believes the header, as documented");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
