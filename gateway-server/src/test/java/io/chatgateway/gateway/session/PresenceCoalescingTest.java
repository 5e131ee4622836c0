package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TextPayload;
import io.chatgateway.proto.v1.TypingFrame;
import io.chatgateway.proto.v1.TypingState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Presence at scale on real sessions without sockets ({@link SessionHarness}, fake clock): changes
 * gather per recipient for PRESENCE_COALESCE_MS and leave together, the newest per member; rooms
 * above PRESENCE_PUSH_MAX_MEMBERS get neither presence nor typing; the coalescer loses nothing
 * when many lanes offer while it flushes.
 */
class PresenceCoalescingTest {

  private static final Map<String, String> WINDOW_1S = Map.of("PRESENCE_COALESCE_MS", "1000");

  @Test
  void aMemberWhoFlapsIsOneDeliveryAfterTheWindow() throws Exception {
    try (SessionHarness harness = new SessionHarness(WINDOW_1S)) {
      String room = harness.room("ann", "bob");
      SessionHarness.Device ann = joined(harness, "ann", room, false);
      SessionHarness.Device bob = joined(harness, "bob", room, false);
      sendMessage(bob, room, "joined");
      ann.await(ServerEvent::hasRoomEvent, "bob's message, after bob's join announcement in the room's order");
      assertTrue(presenceOf(ann, "bob").isEmpty(), "held for the window");
      harness.advance(Duration.ofMillis(999));
      assertTrue(presenceOf(ann, "bob").isEmpty(), "still held 1 ms before the window ends");
      harness.advance(Duration.ofMillis(1));
      assertEquals(List.of(PresenceStatus.PRESENCE_STATUS_ONLINE), presenceOf(ann, "bob").stream().map(PresenceEvent::getStatus).toList());

      PresenceStatus[] flaps = {PresenceStatus.PRESENCE_STATUS_AWAY, PresenceStatus.PRESENCE_STATUS_BUSY, PresenceStatus.PRESENCE_STATUS_AWAY};
      for (PresenceStatus status : flaps) {
        bob.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(status).setStatusText(status.name())));
        harness.clock.advance(Duration.ofMillis(10)); // distinct times; the window runs from the first
      }
      bob.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_ONLINE).setStatusText("back")));
      sendMessage(bob, room, "flapped");
      ann.awaitCount(ServerEvent::hasRoomEvent, 2, "both messages");
      assertEquals(1, presenceOf(ann, "bob").size(), "nothing new before the window ends");
      harness.advance(Duration.ofSeconds(1));
      List<PresenceEvent> seen = presenceOf(ann, "bob");
      assertEquals(2, seen.size(), "four changes in one window are one delivery: " + seen);
      assertEquals("back", seen.get(1).getStatusText(), "the newest");
      harness.advance(Duration.ofSeconds(5));
      assertEquals(2, presenceOf(ann, "bob").size(), "nothing else later");
    }
  }

  @Test
  void aCrowdArrivingIsOneMessageForADeviceThatTakesBatches() throws Exception {
    int crowd = 30;
    try (SessionHarness harness = new SessionHarness(WINDOW_1S)) {
      String[] members = new String[crowd];
      for (int i = 0; i < crowd; i++) {
        members[i] = "m" + i;
      }
      String room = harness.room("ann", members);
      SessionHarness.Device ann = joined(harness, "ann", room, true);
      List<SessionHarness.Device> arrived = new ArrayList<>();
      for (String member : members) {
        arrived.add(joined(harness, member, room, false));
      }
      sendMessage(arrived.get(0), room, "all here");
      ann.await(ServerEvent::hasRoomEvent, "the message after every join announcement");
      int writesBefore = ann.transport.writes.get();
      harness.advance(Duration.ofSeconds(1));
      assertEquals(1, ann.transport.writes.get() - writesBefore, "one message for the whole crowd");
      Map<String, Long> perMember = ann.matching(ServerEvent::hasPresence).stream().collect(Collectors.groupingBy(e -> e.getPresence().getProfileId(), Collectors.counting()));
      assertEquals(crowd, perMember.size(), perMember.toString());
      assertTrue(perMember.values().stream().allMatch(count -> count == 1), perMember.toString());

      // The members each got the others' arrivals after theirs (at most one message each), not ann's:
      // she was there first and was in the snapshot of their subscribe answer.
      SessionHarness.Device last = arrived.get(crowd - 1);
      assertTrue(presenceOf(last, "ann").isEmpty());
      assertTrue(
          last.matching(ServerEvent::hasSubscribed).get(0).getSubscribed().getResults(0).getPresentList().stream().anyMatch(p -> p.getProfileId().equals("ann")));
    }
  }

  @Test
  void aRoomAbovePresencePushMaxMembersGetsNeitherPresenceNorTyping() throws Exception {
    Map<String, String> env = Map.of("PRESENCE_COALESCE_MS", "1000", "PRESENCE_PUSH_MAX_MEMBERS", "2");
    try (SessionHarness harness = new SessionHarness(env)) {
      String large = harness.room("ann", "bob", "cid");
      String small = harness.room("ann", "bob");
      SessionHarness.Device ann = harness.open("ann");
      ann.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.getDefaultInstance()));
      SessionHarness.Device bob = joined(harness, "bob", large, false);
      ann.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(large).addRoomIds(small)));
      List<RoomSubscriptionResult> results = ann.await(ServerEvent::hasSubscribed, "subscribed").getSubscribed().getResultsList();
      assertTrue(results.get(0).getOk() && results.get(0).getPresenceOnRequest(), results.get(0).toString());
      assertEquals(0, results.get(0).getPresentCount(), "no snapshot for a room on request, though bob is there");
      assertTrue(results.get(1).getOk() && !results.get(1).getPresenceOnRequest(), results.get(1).toString());

      ann.send(ConnectRequest.newBuilder().setFrameId("t1").setTyping(TypingFrame.newBuilder().setRoomId(large).setState(TypingState.TYPING_STATE_STARTED)));
      ServerEvent refused = ann.await(e -> e.getFrameId().equals("t1"), "typing refused");
      assertEquals(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, refused.getError().getCode(), refused.toString());
      assertTrue(refused.getError().getMessage().contains("PRESENCE_PUSH_MAX_MEMBERS"), refused.getError().getMessage());
      assertFalse(refused.getError().getFatal());

      bob.send(ConnectRequest.newBuilder().setFrameId("s").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(small)));
      bob.await(e -> e.getFrameId().equals("s") && e.hasSubscribed(), "bob in the small room");
      bob.send(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId(large).setState(TypingState.TYPING_STATE_STARTED)));
      bob.send(ConnectRequest.newBuilder().setPresence(PresenceFrame.newBuilder().setStatus(PresenceStatus.PRESENCE_STATUS_BUSY)));
      bob.send(ConnectRequest.newBuilder().setTyping(TypingFrame.newBuilder().setRoomId(small).setState(TypingState.TYPING_STATE_STARTED)));
      ServerEvent typing = ann.await(ServerEvent::hasTyping, "typing in the small room");
      assertEquals(small, typing.getTyping().getRoomId());
      sendMessage(bob, large, "after");
      ann.await(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(large), "the large room's message");
      harness.advance(Duration.ofSeconds(1));
      List<PresenceEvent> presence = presenceOf(ann, "bob");
      assertEquals(1, presence.size(), "bob's change reached ann through the small room only: " + presence);
      assertEquals(PresenceStatus.PRESENCE_STATUS_BUSY, presence.get(0).getStatus());
      assertEquals(1, ann.matching(ServerEvent::hasTyping).size(), "no typing from the large room");
    }
  }

  @Test
  void changesOfferedByManyLanesWhileFlushingAreEachDeliveredOnce() throws Exception {
    int threads = 8;
    int perThread = 2_000;
    try (SessionHarness harness = new SessionHarness(Map.of("PRESENCE_COALESCE_MS", "0", "OUTBOUND_QUEUE_MAX_MESSAGES", "100000"))) {
      String room = harness.room("ann");
      SessionHarness.Device ann = joined(harness, "ann", room, true);
      // A window of 1 ns, and hand-overs at 2: offers, early hand-overs and timed flushes all race.
      PresenceCoalescer coalescer = new PresenceCoalescer(1, 2);
      ServerEvents events = new ServerEvents("gw-test", harness.clock);
      ExecutorService lanes = Executors.newFixedThreadPool(threads + 1);
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean offering = new AtomicBoolean(true);
      List<Future<?>> offered = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int lane = t;
        offered.add(lanes.submit(() -> {
          start.await();
          for (int i = 0; i < perThread; i++) {
            PresenceEvent presence =
                PresenceEvent.newBuilder().setProfileId("p" + lane + "-" + i).setStatus(PresenceStatus.PRESENCE_STATUS_ONLINE).setLastSeenTime(Timestamps.fromMillis(i)).build();
            coalescer.offer(ann.session, PresenceCoalescer.Change.of(room, presence, OutboundEvent.of(events.builder("").setPresence(presence).build())), i);
          }
          return null;
        }));
      }
      Future<?> flusher = lanes.submit(() -> {
        start.await();
        while (offering.get()) {
          coalescer.flushDue(Long.MAX_VALUE / 2);
        }
        return null;
      });
      start.countDown();
      for (Future<?> done : offered) {
        done.get(60, TimeUnit.SECONDS);
      }
      offering.set(false);
      flusher.get(60, TimeUnit.SECONDS);
      coalescer.flushDue(Long.MAX_VALUE / 2);
      lanes.shutdown();

      assertEquals(0, coalescer.recipients(), "nothing left behind");
      Map<String, Integer> delivered = new HashMap<>();
      ann.matching(ServerEvent::hasPresence).forEach(e -> delivered.merge(e.getPresence().getProfileId(), 1, Integer::sum));
      assertEquals(threads * perThread, delivered.size(), "every change delivered");
      assertTrue(delivered.values().stream().allMatch(count -> count == 1), "each once");
    }
  }

  @Test
  void newestPerMemberKeepsArrivalOrderAndTheFirstOfEqualTimes() {
    OutboundEvent any = OutboundEvent.of(ServerEvent.getDefaultInstance());
    PresenceCoalescer.Change a1 = new PresenceCoalescer.Change("r1", "a", 1, any);
    PresenceCoalescer.Change b1 = new PresenceCoalescer.Change("r1", "b", 1, any);
    PresenceCoalescer.Change a3 = new PresenceCoalescer.Change("r2", "a", 3, any);
    PresenceCoalescer.Change a2 = new PresenceCoalescer.Change("r1", "a", 2, any); // a copy lagging behind a3
    PresenceCoalescer.Change b1Copy = new PresenceCoalescer.Change("r2", "b", 1, any);
    assertEquals(List.of(b1, a3), PresenceCoalescer.newestPerMember(new PresenceCoalescer.Change[] {a1, b1, a3, a2, b1Copy}));
  }

  private static SessionHarness.Device joined(SessionHarness harness, String profile, String room, boolean batches) {
    SessionHarness.Device device = harness.open(profile);
    HelloFrame hello = batches ? HelloFrame.newBuilder().addCapabilities(DeviceSession.BATCH_CAPABILITY).build() : HelloFrame.getDefaultInstance();
    device.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(hello));
    device.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
    ServerEvent subscribed = device.await(e -> e.getFrameId().equals("sub") && e.hasSubscribed(), "subscribed");
    assertTrue(subscribed.getSubscribed().getResults(0).getOk(), subscribed.toString());
    return device;
  }

  private static void sendMessage(SessionHarness.Device sender, String room, String text) {
    sender.send(
        ConnectRequest.newBuilder()
            .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text)))));
  }

  private static List<PresenceEvent> presenceOf(SessionHarness.Device recipient, String profileId) {
    return recipient.matching(e -> e.hasPresence() && e.getPresence().getProfileId().equals(profileId)).stream().map(ServerEvent::getPresence).toList();
  }
}
