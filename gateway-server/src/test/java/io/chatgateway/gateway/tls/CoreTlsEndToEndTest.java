package io.chatgateway.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.cli.CoreCommand;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestCertificates;
import io.chatgateway.gateway.testing.TestCertificates.Authority;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.Room;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mTLS between gateway and core: a real core that takes only clients with a gateway certificate
 * (and so needs neither tokens nor a trusted network), and real gateways with and without one.
 */
class CoreTlsEndToEndTest {

  static final Authority CORE_CA = TestCertificates.authority("core-ca");
  static final Authority GATEWAY_CA = TestCertificates.authority("gateway-ca");

  @Order(1)
  @RegisterExtension
  static final RedisExtension redis = RedisExtension.standalone();

  @TempDir static Path dir;
  static CoreCommand.Running core;

  @BeforeAll
  static void start() throws Exception {
    CORE_CA.server().writeTo(dir.resolve("core.crt"), dir.resolve("core.key"));
    Files.writeString(dir.resolve("core-ca.crt"), CORE_CA.self().certificatePem());
    Files.writeString(dir.resolve("gateway-ca.crt"), GATEWAY_CA.self().certificatePem());
    GATEWAY_CA.client("gateway-1").writeTo(dir.resolve("gateway.crt"), dir.resolve("gateway.key"));
    core =
        CoreCommand.start(
            Map.of(
                "CACHE_URI", redis.cacheUri(),
                "CORE_PORT", "0",
                "CORE_TLS_CERT_FILE", dir.resolve("core.crt").toString(),
                "CORE_TLS_KEY_FILE", dir.resolve("core.key").toString(),
                "CORE_TLS_CLIENT_CA_FILE", dir.resolve("gateway-ca.crt").toString()));
  }

  @AfterAll
  static void stop() {
    if (core != null) {
      core.close();
    }
  }

  private static Map<String, String> gatewayEnv(boolean withClientCertificate) {
    Map<String, String> env = new HashMap<>();
    env.put("CHAT_SERVICE_URI", "localhost:" + core.port());
    env.put("CACHE_URI", redis.cacheUri());
    env.put("CHAT_SERVICE_TLS", "true");
    env.put("CHAT_SERVICE_CA_FILE", dir.resolve("core-ca.crt").toString());
    if (withClientCertificate) {
      env.put("CHAT_SERVICE_CERT_FILE", dir.resolve("gateway.crt").toString());
      env.put("CHAT_SERVICE_KEY_FILE", dir.resolve("gateway.key").toString());
    }
    return env;
  }

  private static Room createRoomThrough(GatewayServer gateway, String profile) throws InterruptedException {
    ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", gateway.grpcPort()).usePlaintext().build();
    try {
      return ChatServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(GatewayExtension.bearer(TestTokens.valid(profile, "phone")))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .createRoom(CreateRoomRequest.newBuilder().setName("over mTLS").build())
          .getRoom();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aGatewayWithItsCertificateReachesTheCoreAsItsUsers() throws Exception {
    try (GatewayServer gateway = GatewayExtension.start(gatewayEnv(true))) {
      assertEquals("alice", createRoomThrough(gateway, "alice").getCreatedBy());
    }
  }

  @Test
  void withoutAGatewayCertificateNobodyReachesTheCore() throws Exception {
    try (GatewayServer gateway = GatewayExtension.start(gatewayEnv(false))) {
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> createRoomThrough(gateway, "alice"));
      assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
    }
    // A forger trusting the core's CA but holding no gateway certificate, and one in plaintext.
    Metadata forged = new Metadata();
    forged.put(CallerIdentity.PROFILE_ID_KEY, "victim");
    for (ManagedChannel channel :
        new ManagedChannel[] {
          TlsEndToEndTest.tlsChannel(core.port(), CORE_CA, null), NettyChannelBuilder.forAddress("localhost", core.port()).usePlaintext().build()
        }) {
      try {
        StatusRuntimeException refused =
            assertThrows(
                StatusRuntimeException.class,
                () ->
                    ChatServiceGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(forged))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .createRoom(CreateRoomRequest.newBuilder().setName("taken over").build()));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.toString());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertTrue(core.tls().isPresent());
  }
}
