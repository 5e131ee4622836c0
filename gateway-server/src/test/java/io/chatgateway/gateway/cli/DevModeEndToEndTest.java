package io.chatgateway.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no key source configured: a development-mode gateway, the token command and the demo client. */
class DevModeEndToEndTest {

  @TempDir Path home;

  @Test
  void aMintedDevTokenIsAcceptedAndTheDemoRuns() throws Exception {
    Map<String, String> env = Map.of("GRPC_PORT", "0", "HTTP_PORT", "0", "DEV_SECRET_FILE", home.resolve("secret").toString());
    try (GatewayServer server = GatewayServer.start(GatewayConfig.fromEnvironment(env))) {
      assertTrue(Files.isRegularFile(home.resolve("secret")), "the dev secret is kept for the token command");
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("secret"))));
      String token = TokenCommand.mint(List.of("--sub", "zoe", "--device", "cli"), env);
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", server.grpcPort()).usePlaintext().build();
      try {
        ChatServiceGrpc.ChatServiceBlockingStub zoe =
            ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(GatewayExtension.bearer(token)).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals("zoe", zoe.createRoom(CreateRoomRequest.newBuilder().setName("dev").build()).getRoom().getCreatedBy());

        String otherSecretToken = TokenCommand.mint(List.of("--sub", "zoe"), Map.of("DEV_SECRET_FILE", home.resolve("other").toString()));
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () -> ChatServiceGrpc.newBlockingStub(channel).withCallCredentials(GatewayExtension.bearer(otherSecretToken))
                    .createRoom(CreateRoomRequest.newBuilder().setName("dev").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      } finally {
        channel.shutdownNow();
      }

      ByteArrayOutputStream out = new ByteArrayOutputStream();
      DemoCommand.run(List.of("--target", "localhost:" + server.grpcPort()), env, new PrintStream(out, true, StandardCharsets.UTF_8));
      String printed = out.toString(StandardCharsets.UTF_8);
      assertTrue(printed.contains("bob received live: #1 alice: hello from alice"), printed);
      assertTrue(printed.contains("  #1 alice: hello from alice"), printed);
    }
  }

  @Test
  void theTokenCommandRefusesWhatItCannotDo() {
    assertThrows(IllegalArgumentException.class, () -> TokenCommand.mint(List.of(), Map.of("DEV_SECRET_FILE", home.resolve("s").toString())));
    assertThrows(IllegalArgumentException.class, () -> TokenCommand.mint(List.of("--sub"), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> TokenCommand.mint(List.of("--user", "x"), Map.of()));
    assertThrows(IllegalArgumentException.class, () -> TokenCommand.mint(List.of("--sub", "x", "--ttl-sec", "0"), Map.of("DEV_SECRET_FILE", home.resolve("s").toString())));
    ConfigException e = assertThrows(ConfigException.class, () -> TokenCommand.mint(List.of("--sub", "x"), Map.of("OAUTH2_JWKS_URI", "https://idp/jwks")));
    assertTrue(e.getMessage().startsWith("OAUTH2_JWKS_URI"), e.getMessage());
  }
}
