package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.OwnConnections;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many publishers at once into a few rooms, devices on their own connections subscribed to all of
 * them, half of them taking batches: every device gets every event of every room, once, in the
 * room's order. Fan-out lanes start session drains once per burst, so an event queued during a
 * burst whose drain was lost would stay queued, and this test would time out waiting for it.
 */
class ConcurrentFanoutEndToEndTest {

  static final int ROOMS = 4;
  static final int DEVICES = 40;
  static final int PUBLISHERS = 8;
  static final int EVENTS_PER_PUBLISHER = 240; // a multiple of ROOMS: each room gets the same share

  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.standard();

  private final OwnConnections connections = new OwnConnections(() -> gateway.server().grpcPort());
  private final List<DeviceClient> devices = new ArrayList<>();

  @AfterEach
  void close() throws InterruptedException {
    connections.close();
  }

  @Test
  void everyDeviceGetsEveryEventOfEveryRoomInOrder() throws Exception {
    String[] rooms = new String[ROOMS];
    for (int r = 0; r < ROOMS; r++) {
      rooms[r] = "busy-" + r;
      CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId(rooms[r]).setName(rooms[r]);
      for (int d = 0; d < DEVICES; d++) {
        room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("device-" + d));
      }
      for (int p = 0; p < PUBLISHERS; p++) {
        room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId("publisher-" + p));
      }
      gateway.as("owner").createRoom(room.build());
    }
    for (int d = 0; d < DEVICES; d++) {
      DeviceClient device = connections.device(TestTokens.valid("device-" + d, "phone"), "device-" + d);
      devices.add(device);
      device.hello(d % 2 == 0 ? HelloFrame.newBuilder().addCapabilities(DeviceSession.BATCH_CAPABILITY).build() : HelloFrame.getDefaultInstance());
      assertTrue(device.subscribe(rooms).getResultsList().stream().allMatch(result -> result.getOk()));
    }

    ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> sent = new ArrayList<>();
    for (int p = 0; p < PUBLISHERS; p++) {
      String publisher = "publisher-" + p;
      sent.add(
          publishers.submit(
              () -> {
                start.await();
                for (int i = 0; i < EVENTS_PER_PUBLISHER; i++) {
                  gateway.sendText(publisher, rooms[i % ROOMS], publisher + "#" + i);
                }
                return null;
              }));
    }
    start.countDown();
    for (Future<?> done : sent) {
      done.get(60, TimeUnit.SECONDS);
    }
    publishers.shutdown();

    int total = PUBLISHERS * EVENTS_PER_PUBLISHER;
    for (DeviceClient device : devices) {
      List<ServerEvent> received = device.awaitCount(ServerEvent::hasRoomEvent, total, "every event of every room");
      assertEquals(total, received.size(), "each event once");
      Map<String, List<Long>> sequences =
          received.stream().map(ServerEvent::getRoomEvent).collect(Collectors.groupingBy(RoomEvent::getRoomId, Collectors.mapping(RoomEvent::getSequence, Collectors.toList())));
      for (String room : rooms) {
        List<Long> inRoom = sequences.get(room);
        assertEquals(total / ROOMS, inRoom.size(), room);
        for (int i = 0; i < inRoom.size(); i++) {
          assertEquals(i + 1, inRoom.get(i), room + ": in the room's order, no gaps");
        }
      }
      assertNull(device.closedWith(), "still open");
    }
  }
}
