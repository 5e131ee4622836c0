package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One device stops reading while 100 others in the same room, each on its own connection, keep
 * up: the stalled one is cut when its bounded queue fills, and the others get every event in order.
 */
class SlowConsumerEndToEndTest {

  static final int HEALTHY = 100;
  static final int EVENTS = 300;

  /**
   * Half the burst: the stalled device (16 KiB window) passes it long before the end, while a
   * reading device in this JVM, whose client threads share two cores with the gateway and 100 other
   * clients, has room to fall a moment behind. At 50, a CI run cut a reading device whose socket
   * had stopped taking bytes while its client's threads were starved (227 of 300 events read).
   */
  static final int QUEUE_BOUND = EVENTS / 2;

  @RegisterExtension
  static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("OUTBOUND_QUEUE_MAX_MESSAGES", Integer.toString(QUEUE_BOUND)));

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void aStalledDeviceIsCutWhileAHundredOthersReceiveEveryEventInOrder() {
    CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId("crowded").setName("crowded");
    for (int i = 0; i < HEALTHY; i++) {
      room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("healthy-" + i));
    }
    room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("stalled"));
    gateway.as("publisher").createRoom(room.build());

    List<DeviceClient> healthy = new ArrayList<>();
    for (int i = 0; i < HEALTHY; i++) {
      DeviceClient client = connections.device(TestTokens.valid("healthy-" + i, "phone"), "healthy-" + i);
      healthy.add(client);
      client.hello();
      assertTrue(client.subscribe("crowded").getResults(0).getOk());
    }
    // A small HTTP/2 window, so the device's own buffers fill after a few events.
    DeviceClient stalled = connections.stalledDevice(TestTokens.valid("stalled", "phone"), "stalled");
    stalled.send(io.chatgateway.proto.v1.ConnectRequest.newBuilder().setHello(io.chatgateway.proto.v1.HelloFrame.getDefaultInstance()));
    stalled.send(
        io.chatgateway.proto.v1.ConnectRequest.newBuilder()
            .setSubscribe(io.chatgateway.proto.v1.SubscribeFrame.newBuilder().addRoomIds("crowded")));
    Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers("crowded") == HEALTHY + 1, "all subscribed");

    String text = "y".repeat(2_000);
    for (int i = 0; i < EVENTS; i++) {
      gateway.sendText("publisher", "crowded", text + i);
    }

    for (DeviceClient client : healthy) {
      List<ServerEvent> received = client.awaitCount(ServerEvent::hasRoomEvent, EVENTS, "every event");
      for (int i = 0; i < EVENTS; i++) {
        assertEquals(i + 1, received.get(i).getRoomEvent().getSequence(), "in order, no gaps");
      }
      assertEquals(null, client.closedWith());
    }
    Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers("crowded") == HEALTHY, "the stalled session left the room");

    stalled.readEverything();
    Status status = stalled.awaitClosed();
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    assertTrue(status.getDescription().contains("outbound queue full"), status.toString());
    List<ServerEvent> partial = stalled.matching(ServerEvent::hasRoomEvent);
    assertTrue(partial.size() < EVENTS, "cut before the end: " + partial.size());
    assertTrue(partial.size() <= QUEUE_BOUND, "cut once its queue held the bound, not after: " + partial.size());
    for (int i = 0; i < partial.size(); i++) {
      assertEquals(i + 1, partial.get(i).getRoomEvent().getSequence(), "what it got is in order; the rest comes from GetHistory on resume");
    }
  }
}
