package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.gateway.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code WRITE_DELAY_MS}: a session lets events gather before it writes them, so what arrives within
 * the delay leaves in one write (one batch for a device that takes batches), in order.
 */
class WriteDelayTest {

  private static final int EVENTS = 5;

  @Test
  void eventsArrivingWithinTheDelayLeaveInOneWrite() throws Exception {
    // A delay far longer than the in-process core needs to store the events: they all arrive within it.
    try (SessionHarness harness = new SessionHarness(Map.of("WRITE_DELAY_MS", "1000"))) {
      String room = harness.room("wes", "rae");
      SessionHarness.Device reader = harness.open("rae");
      reader.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.newBuilder().addCapabilities(DeviceSession.BATCH_CAPABILITY)));
      reader.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
      reader.await(e -> e.getFrameId().equals("sub"), "subscribed");
      SessionHarness.Device writer = harness.open("wes");
      writer.send(SessionCoreTest.hello());
      int before = reader.transport.writes.get();

      SendFrame.Builder sends = SendFrame.newBuilder();
      for (int i = 1; i <= EVENTS; i++) {
        sends.addEvents(RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId("m" + i).setText(TextPayload.newBuilder().setText("m" + i)));
      }
      writer.send(ConnectRequest.newBuilder().setSend(sends));

      Await.until(Duration.ofSeconds(10), () -> reader.matching(ServerEvent::hasRoomEvent).size() == EVENTS, () -> "all events; got " + reader.events());
      List<Long> sequences = reader.matching(ServerEvent::hasRoomEvent).stream().map(e -> e.getRoomEvent().getSequence()).toList();
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sequences, "in order");
      assertEquals(before + 1, reader.transport.writes.get(), "one write, one batch, for all of them");
    }
  }
}
