package io.chatgateway.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gateway that reads its HMAC key from a file (JWT_HMAC_SECRET_FILE, as a Kubernetes secret mount
 * gives it, with a final line break) serves tokens signed with that key and refuses others.
 */
class SecretFileEndToEndTest {

  private static final String FILE_SECRET = "a-secret-from-a-mounted-file-of-40-bytes";

  @RegisterExtension
  static final GatewayExtension gateway =
      GatewayExtension.withEnv(
          () -> {
            Map<String, String> env = new HashMap<>();
            env.put("JWT_HMAC_SECRET", ""); // the extension's inline secret, removed
            env.put("JWT_HMAC_SECRET_FILE", secretFile().toString());
            return env;
          });

  private static Path secretFile() {
    try {
      Path file = Files.createTempFile("jwt-hmac-secret", "");
      file.toFile().deleteOnExit();
      Files.writeString(file, FILE_SECRET + "\n");
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void tokensSignedWithTheFilesSecretAreServed() {
    String token = TestTokens.hs256(TestTokens.claims("carol", "phone"), FILE_SECRET);
    String createdBy =
        ChatServiceGrpc.newBlockingStub(gateway.channel())
            .withCallCredentials(GatewayExtension.bearer(token))
            .createRoom(CreateRoomRequest.newBuilder().setName("from a file").build())
            .getRoom()
            .getCreatedBy();
    assertEquals("carol", createdBy);
  }

  @Test
  void tokensSignedWithAnotherSecretAreRefused() {
    StatusRuntimeException refused =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ChatServiceGrpc.newBlockingStub(gateway.channel())
                    .withCallCredentials(GatewayExtension.bearer(TestTokens.valid("carol", "phone")))
                    .createRoom(CreateRoomRequest.newBuilder().setName("x").build()));
    assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
  }
}
