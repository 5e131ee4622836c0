package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.ServerEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Packing of what a session queued together ({@link OutboundPump#offerTogether}) and by itself. */
class OutboundPumpTest {

  @Test
  void eventsQueuedTogetherLeaveAsOneBatchAndNeverInsideAnother() {
    SessionHarness.RecordingTransport transport = new SessionHarness.RecordingTransport();
    OutboundPump pump = new OutboundPump(new OutboundQueue(10, 1 << 20), transport, SessionMetrics.NONE);
    pump.sendBatches();
    assertEquals(OutboundPump.Offer.DRAIN, pump.offerTogether(List.of(event("a"), event("b"), event("c"))));
    assertEquals(OutboundPump.Offer.QUEUED, pump.offer(event("d")));
    assertEquals(OutboundPump.Offer.QUEUED, pump.offer(event("e")));
    pump.drain();
    assertEquals(2, transport.writes.get(), "the packed three, then the two queued alone packed by the drain");
    assertEquals(List.of("a", "b", "c", "d", "e"), transport.events().stream().map(ServerEvent::getFrameId).toList());
  }

  @Test
  void manyEventsQueuedTogetherCountAsFewMessagesAgainstTheBound() {
    SessionHarness.RecordingTransport transport = new SessionHarness.RecordingTransport();
    OutboundPump pump = new OutboundPump(new OutboundQueue(3, 1 << 20), transport, SessionMetrics.NONE);
    pump.sendBatches();
    List<OutboundEvent> many = new ArrayList<>();
    for (int i = 0; i < 2 * OutboundPump.MAX_BATCH_EVENTS + 1; i++) {
      many.add(event("e" + i));
    }
    assertEquals(OutboundPump.Offer.DRAIN, pump.offerTogether(many), "three batches fit a bound of three messages");
    pump.drain();
    assertEquals(3, transport.writes.get());
    assertEquals(many.size(), transport.events().size());

    OutboundPump plain = new OutboundPump(new OutboundQueue(3, 1 << 20), new SessionHarness.RecordingTransport() {
      @Override
      public boolean isReady() {
        return false; // not reading: no overdraft either
      }
    }, SessionMetrics.NONE);
    assertEquals(OutboundPump.Offer.FULL, plain.offerTogether(many.subList(0, 4)), "without batches each event is a message");
  }

  private static OutboundEvent event(String frameId) {
    return OutboundEvent.of(ServerEvent.newBuilder().setFrameId(frameId).setPong(PongEvent.getDefaultInstance()).build());
  }
}
