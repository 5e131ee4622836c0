package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.proto.v1.ServerEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multi-gateway fan-out on a three-master Redis Cluster, over sharded pub/sub. */
class RedisClusterFanoutTest {

  @RegisterExtension static final RedisExtension redis = RedisExtension.cluster();

  static ThreeGateways cluster;

  @BeforeAll
  static void start() throws Exception {
    if (redis.supported()) {
      cluster = ThreeGateways.start(redis.cacheUri(), Map.of());
    }
  }

  @BeforeEach
  void needsRedis7() {
    redis.assumeSupported();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void devicesOnThreeGatewaysGetEveryEventInOrderOnceOverShardedPubSub() {
    // Rooms whose channels hash to different masters.
    for (String room : List.of("alpha", "bravo", "charlie")) {
      List<DeviceClient> devices = FanoutScenario.everyDeviceGetsEveryEventInOrderOnce(cluster, room, 12);
      devices.forEach(DeviceClient::close);
    }
  }

  @Test
  void aDuplicateDeviceOnAnotherGatewayClosesTheOldOneOnTheClusterToo() {
    DeviceClient first = cluster.device(2, "cluster-dup", "phone");
    first.hello();
    DeviceClient second = cluster.device(0, "cluster-dup", "phone");
    second.hello();
    assertTrue(first.await(ServerEvent::hasReconnect, "replaced through the control channel").getReconnect().getReason().name().contains("REPLACED"));
    first.awaitClosed();
  }
}
