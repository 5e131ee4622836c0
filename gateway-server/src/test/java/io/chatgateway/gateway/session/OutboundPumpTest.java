package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void aDrainPacksWhatIsQueuedUpToTheBatchBounds() {
    MessageRecorder transport = new MessageRecorder();
    OutboundPump pump = new OutboundPump(new OutboundQueue(1_000, 1 << 24), transport, SessionMetrics.NONE);
    pump.sendBatches();
    int many = 2 * OutboundPump.MAX_BATCH_EVENTS + 10;
    for (int i = 0; i < many; i++) {
      pump.offer(event("e" + i));
    }
    pump.drain();
    assertEquals(List.of(OutboundPump.MAX_BATCH_EVENTS, OutboundPump.MAX_BATCH_EVENTS, 10), transport.eventsPerMessage);

    // Ten events of 10 KB: six fit the 64 KB bound, so the first batch stops short of what is queued.
    MessageRecorder large = new MessageRecorder();
    OutboundPump bytesBound = new OutboundPump(new OutboundQueue(1_000, 1 << 24), large, SessionMetrics.NONE);
    bytesBound.sendBatches();
    for (int i = 0; i < 10; i++) {
      bytesBound.offer(OutboundEvent.of(ServerEvent.newBuilder().setFrameId("big" + i)
          .setRoomEvent(RoomEvent.newBuilder().setId("x".repeat(10 * 1024))).build()));
    }
    bytesBound.drain();
    assertEquals(List.of(6, 4), large.eventsPerMessage);
    assertEquals(10, large.frameIds.size());
    assertEquals("big9", large.frameIds.get(9));
  }

  @Test
  void aDrainedBatchGivesItsRoomInTheQueueBack() {
    MessageRecorder transport = new MessageRecorder();
    OutboundPump pump = new OutboundPump(new OutboundQueue(10, 1 << 20), transport, SessionMetrics.NONE);
    pump.sendBatches();
    for (int i = 0; i < 10; i++) {
      pump.offer(event("a" + i));
    }
    pump.drain();
    assertEquals(List.of(10), transport.eventsPerMessage);
    transport.ready = false; // not reading now: no overdraft, only the room the drain gave back
    for (int i = 0; i < 10; i++) {
      assertTrue(pump.offer(event("b" + i)) != OutboundPump.Offer.FULL, "b" + i);
    }
    assertEquals(OutboundPump.Offer.FULL, pump.offer(event("c")));
  }

  /**
   * One thread offers while the session's drains run on another, as a fan-out lane and an event
   * loop do: every event arrives once and in order, and no batch passes its bound, however the
   * drains and the offers interleave.
   */
  @Test
  void drainsRacingOffersDeliverEveryEventOnceInOrder() throws Exception {
    MessageRecorder transport = new MessageRecorder();
    int total = 50_000;
    OutboundPump pump = new OutboundPump(new OutboundQueue(total, 1L << 32), transport, SessionMetrics.NONE);
    pump.sendBatches();
    CompletableFuture<Void> offering = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < total; i++) {
        pump.offer(event(Integer.toString(i)));
      }
    });
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (transport.frameIds.size() < total) {
      assertTrue(System.nanoTime() < deadline, "only " + transport.frameIds.size() + " of " + total + " events drained");
      pump.drain();
      Thread.onSpinWait();
    }
    offering.get();
    for (int i = 0; i < total; i++) {
      assertEquals(Integer.toString(i), transport.frameIds.get(i));
    }
    assertTrue(transport.eventsPerMessage.stream().allMatch(n -> n <= OutboundPump.MAX_BATCH_EVENTS), "a batch passed its bound");
    assertTrue(transport.eventsPerMessage.stream().anyMatch(n -> n > 1), "no batch formed: the race was not exercised");
  }

  /** Records each message's event count and the frame ids it carried, decoding what was written. Drain thread only. */
  private static final class MessageRecorder extends SessionHarness.RecordingTransport {
    final List<Integer> eventsPerMessage = new ArrayList<>();
    final List<String> frameIds = new ArrayList<>();

    @Override
    public void send(OutboundEvent event) {
      eventsPerMessage.add(event.eventCount());
      try {
        ServerEvent decoded = ServerEvent.parseFrom(event.binary());
        List<ServerEvent> events = decoded.hasBatch() ? decoded.getBatch().getEventsList() : List.of(decoded);
        assertEquals(event.eventCount(), events.size());
        events.forEach(e -> frameIds.add(e.getFrameId()));
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("not a ServerEvent", e);
      }
    }
  }

  private static OutboundEvent event(String frameId) {
    return OutboundEvent.of(ServerEvent.newBuilder().setFrameId(frameId).setPong(PongEvent.getDefaultInstance()).build());
  }
}
