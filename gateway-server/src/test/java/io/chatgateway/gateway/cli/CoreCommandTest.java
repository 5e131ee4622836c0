package io.chatgateway.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The {@code core} command's journal: a room outlives the core, and a bad file stops start-up naming the variable. */
class CoreCommandTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  private static ChatServiceGrpc.ChatServiceBlockingStub as(ManagedChannel channel, String profile) {
    Metadata identity = new Metadata();
    new CallerIdentity(profile, "test").writeTo(identity);
    return ChatServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(identity));
  }

  @Test
  void aRoomOutlivesTheCoreWithADataFile(@TempDir Path dir) throws Exception {
    Map<String, String> env = Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true", "CORE_DATA_FILE", dir.resolve("data/core.journal").toString());
    try (CoreCommand.Running first = CoreCommand.start(env)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", first.port()).usePlaintext().build();
      try {
        as(channel, "olga").createRoom(CreateRoomRequest.newBuilder().setRoomId("lasting").setName("Lasting").build());
      } finally {
        channel.shutdownNow();
      }
    }
    try (CoreCommand.Running second = CoreCommand.start(env)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", second.port()).usePlaintext().build();
      try {
        assertEquals("Lasting", as(channel, "olga").getRoom(GetRoomRequest.newBuilder().setRoomId("lasting").build()).getRoom().getName());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aDataFileThatCannotBeUsedStopsStartUpNamingTheVariable(@TempDir Path dir) throws Exception {
    Path directory = Files.createDirectories(dir.resolve("a-directory"));
    ConfigException refused =
        assertThrows(ConfigException.class, () -> CoreCommand.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true", "CORE_DATA_FILE", directory.toString())));
    assertTrue(refused.getMessage().startsWith("CORE_DATA_FILE"), refused.getMessage());
    Path garbage = Files.write(dir.resolve("not-a-journal"), new byte[] {'Q', 3, 1, 2, 3});
    ConfigException unknown =
        assertThrows(ConfigException.class, () -> CoreCommand.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", "0", "CORE_TRUST_NETWORK", "true", "CORE_DATA_FILE", garbage.toString())));
    assertTrue(unknown.getMessage().contains("unknown kind"), unknown.getMessage());
  }

  @Test
  void theCoreMustBeToldWhomToBelieve() {
    // Refused before Redis is even dialled: the address below has nothing listening.
    Map<String, String> base = Map.of("CACHE_URI", "redis://127.0.0.1:1", "CORE_PORT", "0");
    ConfigException neither = assertThrows(ConfigException.class, () -> CoreCommand.start(base));
    assertTrue(neither.getMessage().startsWith("CORE_TRUSTED_CLIENTS: required"), neither.getMessage());
    assertTrue(neither.getMessage().contains("CORE_TRUST_NETWORK=true"), "names the other way: " + neither.getMessage());

    Map<String, String> both = new java.util.HashMap<>(base);
    both.put("CORE_TRUSTED_CLIENTS", "chat-gateway");
    both.put("CORE_TRUST_NETWORK", "true");
    ConfigException twice = assertThrows(ConfigException.class, () -> CoreCommand.start(both));
    assertTrue(twice.getMessage().startsWith("CORE_TRUSTED_CLIENTS and CORE_TRUST_NETWORK: set only one"), twice.getMessage());

    Map<String, String> noKeys = new java.util.HashMap<>(base);
    noKeys.put("CORE_TRUSTED_CLIENTS", "chat-gateway");
    ConfigException keyless = assertThrows(ConfigException.class, () -> CoreCommand.start(noKeys));
    assertTrue(keyless.getMessage().startsWith("CORE_TRUSTED_CLIENTS: the gateways' tokens need a key source"), keyless.getMessage());
  }
}
