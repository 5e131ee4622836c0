package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.SubscriptionSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A device that announced the {@code batch} capability and reads behind its room gets what queued up
 * meanwhile as batches: every event, once, in order, in fewer messages. A device without the
 * capability in the same room only ever gets single events.
 */
class BatchingEndToEndTest {

  static final int EVENTS = 200;

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void aLaggingDeviceGetsWhatQueuedAsBatchesInOrder() {
    gateway
        .as("publisher")
        .createRoom(
            CreateRoomRequest.newBuilder()
                .setRoomId("batched")
                .setName("batched")
                .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("lagging"))
                .addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("plain"))
                .build());
    DeviceClient plain = connections.device(TestTokens.valid("plain", "phone"), "plain");
    plain.hello();
    assertTrue(plain.subscribe("batched").getResults(0).getOk());
    // A small HTTP/2 window and no reading: after a few events the transport is not ready, and the
    // rest waits in the session's queue.
    DeviceClient lagging = connections.stalledDevice(TestTokens.valid("lagging", "phone"), "lagging");
    lagging.send(ConnectRequest.newBuilder().setHello(HelloFrame.newBuilder().addCapabilities(DeviceSession.BATCH_CAPABILITY)));
    lagging.send(ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addRoomIds("batched")));
    Await.until(Duration.ofSeconds(10), () -> gateway.server().sessions().fanout().subscribers("batched") == 2, "both subscribed");

    String text = "b".repeat(2_000);
    for (int i = 0; i < EVENTS; i++) {
      gateway.sendText("publisher", "batched", text + i);
    }
    plain.awaitCount(ServerEvent::hasRoomEvent, EVENTS, "every event");
    lagging.readEverything();

    List<ServerEvent> received = lagging.awaitCount(ServerEvent::hasRoomEvent, EVENTS, "every event");
    assertEquals(EVENTS, received.size(), "each event once");
    for (int i = 0; i < EVENTS; i++) {
      assertEquals(i + 1, received.get(i).getRoomEvent().getSequence(), "in order, no gaps");
      assertEquals(text + i, received.get(i).getRoomEvent().getText().getText());
    }
    List<ServerEvent> batches = lagging.messages().stream().filter(ServerEvent::hasBatch).toList();
    assertFalse(batches.isEmpty(), "what queued while the device lagged came as batches");
    for (ServerEvent batch : batches) {
      int count = batch.getBatch().getEventsCount();
      assertTrue(count >= 2 && count <= OutboundPump.MAX_BATCH_EVENTS, "batch size " + count);
      assertTrue(batch.getBatch().getSerializedSize() <= OutboundPump.MAX_BATCH_BYTES + 8 * count, "batch bytes " + batch.getSerializedSize());
      assertTrue(batch.getBatch().getEventsList().stream().noneMatch(ServerEvent::hasBatch), "never nested");
    }
    assertTrue(lagging.messages().size() < lagging.events().size(), "fewer messages than events");
    assertNull(lagging.closedWith(), "still open");

    assertTrue(plain.messages().stream().noneMatch(ServerEvent::hasBatch), "no batches without the capability");
  }
}
