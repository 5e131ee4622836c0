package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.proto.v1.TextPayload;
import java.util.ArrayList;
import java.util.List;

/** Devices spread over three gateways all receive every room event, in order, exactly once. */
final class FanoutScenario {

  private FanoutScenario() {}

  /** Runs the scenario in a fresh room; returns the devices, still subscribed. */
  static List<DeviceClient> everyDeviceGetsEveryEventInOrderOnce(ThreeGateways cluster, String roomId, int events) {
    CreateRoomRequest.Builder room = CreateRoomRequest.newBuilder().setRoomId(roomId).setName(roomId);
    for (int i = 0; i < 6; i++) {
      room.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId(roomId + "-user-" + i));
    }
    cluster.as(0, roomId + "-owner").createRoom(room.build());
    List<DeviceClient> devices = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      DeviceClient device = cluster.device(i % 3, roomId + "-user-" + i, "phone");
      device.hello();
      assertTrue(device.subscribe(roomId).getResults(0).getOk());
      devices.add(device);
    }
    // Senders on two different gateways, one at a time so the send order is the sequence order.
    for (int i = 0; i < events; i++) {
      DeviceClient sender = devices.get(i % 2 == 0 ? 0 : 4);
      sender.send(
          ConnectRequest.newBuilder()
              .setSend(
                  SendFrame.newBuilder()
                      .addEvents(
                          RoomEvent.newBuilder()
                              .setRoomId(roomId)
                              .setType(EventType.EVENT_TYPE_MESSAGE)
                              .setClientEventId("e" + i)
                              .setText(TextPayload.newBuilder().setText("event " + i)))));
      int acked = i / 2 + 1;
      sender.awaitCount(ServerEvent::hasAck, acked, "ack " + acked);
    }
    for (DeviceClient device : devices) {
      List<ServerEvent> received = device.awaitCount(e -> e.hasRoomEvent() && e.getRoomEvent().getType() == EventType.EVENT_TYPE_MESSAGE, events, "every event");
      device.ping(); // anything still in flight would now have arrived
      received = device.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getType() == EventType.EVENT_TYPE_MESSAGE);
      assertEquals(events, received.size(), "exactly once");
      for (int i = 0; i < events; i++) {
        assertEquals("event " + i, received.get(i).getRoomEvent().getText().getText(), "in order");
      }
    }
    return devices;
  }
}
