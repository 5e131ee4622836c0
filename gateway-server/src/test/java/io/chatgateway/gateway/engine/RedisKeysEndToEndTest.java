package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.bus.RedisChannels;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.RedisExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Profile and device ids with separators and braces keep separate Redis state: the pairs that used to
 * share a connection field or a device key now have one each, and closing one leaves the other's.
 * And what arrives on a room's channel is delivered only if it is an envelope of that room.
 */
class RedisKeysEndToEndTest {

  static final String GATEWAY = "gw-keys";

  @Order(1)
  @RegisterExtension
  static final RedisExtension redis = RedisExtension.standalone();

  @Order(2)
  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(() -> Map.of("CACHE_URI", redis.cacheUri(), "GATEWAY_ID", GATEWAY));

  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void connect() {
    client = RedisClient.create(redis.cacheUri());
    connection = client.connect();
  }

  @AfterAll
  static void disconnect() {
    connection.close();
    client.shutdown();
  }

  @Test
  void pairsThatSharedAConnectionFieldHaveOneEach() {
    try (DeviceClient first = online("a:b", "c");
        DeviceClient second = online("a", "b:c")) {
      String connections = RedisChannels.connections(GATEWAY);
      Await.until(Duration.ofSeconds(10), () -> connection.sync().hexists(connections, RedisChannels.connectionField("a:b", "c"))
          && connection.sync().hexists(connections, RedisChannels.connectionField("a", "b:c")), () -> "two entries: " + connection.sync().hkeys(connections));
      assertTrue(connection.sync().hget(connections, RedisChannels.connectionField("a:b", "c")).contains("\"profile_id\":\"a:b\""));
      assertTrue(connection.sync().hget(connections, RedisChannels.connectionField("a", "b:c")).contains("\"profile_id\":\"a\""));
    }
  }

  @Test
  void closingOneDeviceLeavesTheOtherUsersDeviceEntry() {
    DeviceClient first = online("x}:y", "z");
    try (DeviceClient second = online("x", "y}:z")) {
      String firstKey = RedisChannels.device("x}:y", "z");
      String secondKey = RedisChannels.device("x", "y}:z");
      Await.until(Duration.ofSeconds(10), () -> GATEWAY.equals(connection.sync().get(firstKey)) && GATEWAY.equals(connection.sync().get(secondKey)), "both devices indexed");
      first.close();
      first.awaitClosed();
      Await.until(Duration.ofSeconds(10), () -> connection.sync().get(firstKey) == null, "the closed device's entry goes");
      assertEquals(GATEWAY, connection.sync().get(secondKey), "the other user's entry stays");
      second.ping();
    }
  }

  @Test
  void anEnvelopeForAnotherRoomOnARoomsChannelReachesNobody() {
    String roomA = gateway.createRoom("fay");
    String roomB = gateway.createRoom("fay");
    try (DeviceClient fay = online("fay", "phone")) {
      fay.subscribe(roomA, roomB);
      BusEnvelope forged =
          BusEnvelope.newBuilder()
              .setRoomId(roomB)
              .setOriginId("intruder")
              .setRoomEvent(RoomEvent.newBuilder().setRoomId(roomB).setSequence(99).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText("forged")))
              .build();
      try (StatefulRedisConnection<String, byte[]> raw = client.connect(io.lettuce.core.codec.RedisCodec.of(io.lettuce.core.codec.StringCodec.UTF8, io.lettuce.core.codec.ByteArrayCodec.INSTANCE))) {
        raw.sync().publish(RedisChannels.room(roomA), forged.toByteArray());
        raw.sync().publish(RedisChannels.room(roomA), new byte[] {(byte) 0xff, 0x01});
      }
      // Published after the forgeries on the same channels' order: once it arrives, they were handled.
      gateway.sendText("fay", roomA, "real a");
      gateway.sendText("fay", roomB, "real b");
      fay.awaitCount(ServerEvent::hasRoomEvent, 2, "the real messages");
      assertTrue(fay.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getText().getText().equals("forged")).isEmpty(), "the forged envelope was dropped");
      fay.ping();
    }
  }

  private static DeviceClient online(String profile, String device) {
    DeviceClient client = DeviceClient.connect(gateway.channel(), TestTokens.valid(profile, device), profile + "/" + device);
    client.hello();
    return client;
  }
}
