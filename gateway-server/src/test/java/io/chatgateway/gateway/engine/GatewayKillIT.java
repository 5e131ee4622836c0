package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.JarProcess;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Processes, as in production: a shared core ({@code chat-gateway.jar core}) and three gateways on one
 * Redis. One gateway is killed with SIGKILL, so it cleans up nothing. After the reap period, the
 * others have removed its metadata and turned its users offline.
 */
class GatewayKillIT {

  @RegisterExtension static final RedisExtension redis = RedisExtension.standalone();

  @Test
  void aKilledGatewayLeavesNoStaleMetadataOrPresenceAfterTheReapPeriod() throws Exception {
    List<JarProcess> processes = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    List<DeviceClient> devices = new ArrayList<>();
    try (RedisClient client = RedisClient.create(redis.cacheUri());
        StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> inspect = connection.sync();
      int corePort = JarProcess.freePort();
      JarProcess core = JarProcess.start(Map.of("CACHE_URI", redis.cacheUri(), "CORE_PORT", Integer.toString(corePort), "CORE_TRUST_NETWORK", "true"), "core");
      processes.add(core);
      core.awaitOutput("chat core listening on port " + corePort, Duration.ofSeconds(60));

      List<Integer> grpcPorts = new ArrayList<>();
      for (String id : List.of("gw-a", "gw-b", "gw-c")) {
        int grpcPort = JarProcess.freePort();
        processes.add(JarProcess.startGateway(id, grpcPort, redis.cacheUri(), corePort));
        grpcPorts.add(grpcPort);
        channels.add(NettyChannelBuilder.forAddress("localhost", grpcPort).usePlaintext().build());
      }

      ChatServiceGrpc.newBlockingStub(channels.get(0))
          .withCallCredentials(BearerCredentials.of(TestTokens.valid("watcher", "phone")))
          .createRoom(CreateRoomRequest.newBuilder().setRoomId("doomed").setName("doomed").addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("victim")).build());
      DeviceClient watcher = DeviceClient.connect(channels.get(0), TestTokens.valid("watcher", "phone"), "watcher@gw-a");
      devices.add(watcher);
      watcher.hello();
      watcher.subscribe("doomed");
      DeviceClient victim = DeviceClient.connect(channels.get(2), TestTokens.valid("victim", "phone"), "victim@gw-c");
      devices.add(victim);
      victim.hello();
      victim.subscribe("doomed");
      watcher.await(e -> e.hasPresence() && e.getPresence().getProfileId().equals("victim") && e.getPresence().getStatus() == PresenceStatus.PRESENCE_STATUS_ONLINE, "victim online");
      Await.until(Duration.ofSeconds(10), () -> inspect.hlen("chat:gw:{gw-c}:conns") == 1 && "gw-c".equals(inspect.get("chat:device:{victim}:phone")), "gw-c's entries written");

      processes.get(3).kill(); // gw-c, SIGKILL

      watcher.await(
          e -> e.hasPresence() && e.getPresence().getProfileId().equals("victim") && e.getPresence().getStatus() == PresenceStatus.PRESENCE_STATUS_OFFLINE,
          "victim offline after gw-c is reaped");
      Await.until(
          Duration.ofSeconds(20),
          () ->
              inspect.exists("chat:gw:{gw-c}:conns", "chat:gw:{gw-c}:rooms", "chat:device:{victim}:phone") == 0
                  && inspect.zscore("chat:gateways", "gw-c") == null
                  && inspect.zscore("chat:presence:{victim}", "gw-c") == null,
          () -> "no trace of gw-c left; keys: " + inspect.keys("chat:*"));
      assertTrue(inspect.zscore("chat:gateways", "gw-a") != null, "the living gateways stay registered");
      assertEquals("gw-a", inspect.get("chat:device:{watcher}:phone"));
      assertNull(watcher.closedWith(), "the watcher's stream on gw-a was never affected");
    } finally {
      devices.forEach(DeviceClient::close);
      channels.forEach(ManagedChannel::shutdownNow);
      for (JarProcess process : processes) {
        process.close();
      }
    }
  }
}
