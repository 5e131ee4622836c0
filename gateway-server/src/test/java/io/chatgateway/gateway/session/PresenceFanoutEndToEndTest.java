package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.gateway.testing.DeviceClient;
import io.chatgateway.gateway.testing.GatewayExtension;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A presence change reaches each other member once, however many rooms they share: one frame used
 * to become one delivery per shared room. Repeating an unchanged status announces nothing.
 */
class PresenceFanoutEndToEndTest {

  static final int SHARED_ROOMS = 30;

  // Without coalescing, so that each change is delivered on its own and in order with the room's
  // messages: this is about copies through shared rooms, PresenceCoalescingEndToEndTest about windows.
  @RegisterExtension static final GatewayExtension gateway = GatewayExtension.withEnv(Map.of("PRESENCE_COALESCE_MS", "0"));

  @Test
  void oneChangeIsOneDeliveryPerRecipientWhateverTheSharedRooms() {
    List<String> rooms = new ArrayList<>();
    for (int i = 0; i < SHARED_ROOMS; i++) {
      rooms.add(gateway.createRoom("sam", "rhea"));
    }
    try (DeviceClient sam = DeviceClient.connect(gateway.channel(), TestTokens.valid("sam", "phone"), "sam");
        DeviceClient rhea = DeviceClient.connect(gateway.channel(), TestTokens.valid("rhea", "phone"), "rhea")) {
      rhea.hello();
      rhea.subscribe(rooms.toArray(String[]::new));
      sam.hello();
      sam.subscribe(rooms.toArray(String[]::new));
      // A message in every room after sam's joins: once rhea has them all, every join announcement
      // (queued before them in each room's order) has been handled.
      sendToEveryRoom(sam, rooms, "joined");
      rhea.awaitCount(ServerEvent::hasRoomEvent, SHARED_ROOMS, "a message per room");
      int before = presenceOf(rhea, "sam").size();

      int changes = 10;
      for (int i = 0; i < changes; i++) {
        PresenceStatus status = i % 2 == 0 ? PresenceStatus.PRESENCE_STATUS_AWAY : PresenceStatus.PRESENCE_STATUS_BUSY;
        sam.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(status).setStatusText("change " + i)));
        // The same status again changes nothing, and announces nothing.
        sam.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(status).setStatusText("change " + i)));
      }
      // The frames are handled in order: once rhea has these messages, every copy of every change
      // in every room has been through fan-out.
      sendToEveryRoom(sam, rooms, "changed");
      rhea.awaitCount(ServerEvent::hasRoomEvent, 2 * SHARED_ROOMS, "a second message per room");

      List<PresenceEvent> seen = presenceOf(rhea, "sam");
      List<PresenceEvent> fresh = seen.subList(before, seen.size());
      assertEquals(changes, fresh.size(), "one delivery per change, not one per shared room: " + fresh.stream().map(PresenceEvent::getStatusText).toList());
      for (int i = 0; i < changes; i++) {
        assertEquals("change " + i, fresh.get(i).getStatusText(), "in order");
      }
    }
  }

  private static void sendToEveryRoom(DeviceClient sender, List<String> rooms, String text) {
    SendFrame.Builder send = SendFrame.newBuilder();
    for (String room : rooms) {
      send.addEvents(RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text)));
    }
    sender.send(ConnectRequest.newBuilder().setFrameId(DeviceClient.frameId()).setSend(send));
  }

  private static List<PresenceEvent> presenceOf(DeviceClient recipient, String profileId) {
    return recipient.matching(e -> e.hasPresence() && e.getPresence().getProfileId().equals(profileId)).stream().map(ServerEvent::getPresence).toList();
  }
}
