package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TextPayload;
import java.time.Duration;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetHistoryResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Positions, without sockets: a device that subscribes or resumes from a position gets every event
 * after it from history before live ones, once each and in order; a live event that skips ahead
 * (the bus lost one) makes the session fetch the gap first; and a gap beyond RESUME_MAX_EVENTS is
 * reported instead of sent.
 */
class ResumeAndGapFillTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  void aSubscribeFromAPositionGetsWhatCameAfterItBeforeLiveEvents() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      send(bob, room, 5);

      SessionHarness.Device ann = harness.open("ann");
      ann.send(SessionCoreTest.hello());
      ann.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room).putPositions(room, 2)));
      RoomSubscriptionResult result = ann.await(ServerEvent::hasSubscribed, "subscribed").getSubscribed().getResults(0);
      assertTrue(result.getRecovered(), result.toString());
      assertEquals(2, result.getPosition());
      assertEquals(5, result.getLastSequence());
      awaitSequences(ann, room, List.of(3L, 4L, 5L));

      send(bob, room, 1);
      awaitSequences(ann, room, List.of(3L, 4L, 5L, 6L));
    }
  }

  @Test
  void aDeviceTooFarBehindIsToldSoAndStartsLive() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("RESUME_MAX_EVENTS", "3"))) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      send(bob, room, 5);

      SessionHarness.Device ann = harness.open("ann");
      ann.send(SessionCoreTest.hello());
      ann.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room).putPositions(room, 1)));
      RoomSubscriptionResult result = ann.await(ServerEvent::hasSubscribed, "subscribed").getSubscribed().getResults(0);
      assertFalse(result.getRecovered(), "four missed, three allowed: " + result);
      assertEquals(1, result.getPosition());
      assertEquals(5, result.getLastSequence());
      send(bob, room, 1);
      awaitSequences(ann, room, List.of(6L));
    }
  }

  @Test
  void aResumeTokenBringsBackTheRoomsAndWhatWasMissedWhileAway() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      SessionHarness.Device ann = live(harness, "ann", room);
      send(bob, room, 3);
      awaitSequences(ann, room, List.of(1L, 2L, 3L));
      String token = ann.matching(ServerEvent::hasReady).get(0).getReady().getResumeToken();
      ann.session.onTransportClosed(); // the connection dropped
      send(bob, room, 4);

      SessionHarness.Device back = harness.open("ann");
      back.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.newBuilder().setResumeToken(token)));
      assertEquals(List.of(room), back.await(ServerEvent::hasReady, "ready").getReady().getResumedRoomIdsList());
      ServerEvent subscribed = back.await(ServerEvent::hasSubscribed, "subscribed");
      assertEquals("hello", subscribed.getFrameId());
      assertEquals(3, subscribed.getSubscribed().getResults(0).getPosition());
      assertTrue(subscribed.getSubscribed().getResults(0).getRecovered());
      awaitSequences(back, room, List.of(4L, 5L, 6L, 7L));
    }
  }

  @Test
  void positionsInHelloWinOverTheResumeRecordAndNeedNoToken() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      send(bob, room, 4);

      SessionHarness.Device ann = harness.open("ann");
      ann.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.newBuilder().putPositions(room, 1)));
      assertEquals(List.of(room), ann.await(ServerEvent::hasReady, "ready").getReady().getResumedRoomIdsList());
      awaitSequences(ann, room, List.of(2L, 3L, 4L));
      send(bob, room, 1);
      awaitSequences(ann, room, List.of(2L, 3L, 4L, 5L));
    }
  }

  @Test
  void aLiveEventThatSkipsAheadIsPrecededByTheOnesTheBusLost() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      SessionHarness.Device ann = live(harness, "ann", room);
      harness.lost = envelope -> envelope.hasRoomEvent() && (envelope.getRoomEvent().getSequence() == 2 || envelope.getRoomEvent().getSequence() == 3);
      send(bob, room, 5);
      awaitSequences(ann, room, List.of(1L, 2L, 3L, 4L, 5L));
    }
  }

  @Test
  void aLiveGapLargerThanTheBoundIsReportedNotSent() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of("RESUME_MAX_EVENTS", "2"))) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device bob = live(harness, "bob", room);
      SessionHarness.Device ann = live(harness, "ann", room);
      harness.lost = envelope -> envelope.hasRoomEvent() && envelope.getRoomEvent().getSequence() >= 2 && envelope.getRoomEvent().getSequence() <= 4;
      send(bob, room, 5);
      awaitSequences(ann, room, List.of(1L, 5L));
      RoomSubscriptionResult lost = ann.matching(e -> e.hasSubscribed() && e.getFrameId().isEmpty()).get(0).getSubscribed().getResults(0);
      assertFalse(lost.getRecovered());
      assertEquals(1, lost.getPosition());
      assertEquals(4, lost.getLastSequence());
      List<ServerEvent> events = ann.events();
      assertTrue(events.indexOf(ann.matching(e -> e.hasSubscribed() && e.getFrameId().isEmpty()).get(0)) < events.indexOf(roomEvents(ann, room).get(1)), "told before the live event");
    }
  }

  /** The real core with its GetHistory calls counted and, while {@link #holding}, answered only on {@link #release}. */
  static final class CountedHistory implements UnaryOperator<CoreCalls.Factory> {
    final AtomicInteger reads = new AtomicInteger();
    final List<Runnable> held = new CopyOnWriteArrayList<>();
    volatile boolean holding;

    @Override
    public CoreCalls.Factory apply(CoreCalls.Factory real) {
      return device ->
          new ForwardingCoreCalls(real.open(device)) {
            @Override
            public CompletionStage<GetHistoryResponse> getHistory(GetHistoryRequest request) {
              reads.incrementAndGet();
              if (!holding) {
                return real.getHistory(request);
              }
              CompletableFuture<GetHistoryResponse> answer = new CompletableFuture<>();
              held.add(() -> real.getHistory(request).whenComplete((response, error) -> settle(answer, response, error)));
              return answer;
            }
          };
    }

    void release() {
      held.forEach(Runnable::run);
    }
  }

  /** A room whose {@code count} events {@code sender} sent while this gateway was not in it: only the core has them. */
  static String quietRoom(SessionHarness harness, SessionHarness.Device sender, int count, String... members) {
    String room = harness.room(sender.profile, members);
    harness.lost = envelope -> envelope.getRoomId().equals(room);
    send(sender, room, count);
    harness.lost = envelope -> false;
    return room;
  }

  @Test
  void devicesCatchingUpAreServedFromRecentEventsAndOnlyTheFirstOfAQuietRoomAsksTheCore() throws Exception {
    CountedHistory history = new CountedHistory();
    try (SessionHarness harness = new SessionHarness(Map.of(), history)) {
      String busy = harness.room("bob", "ann", "amy");
      SessionHarness.Device bob = live(harness, "bob", busy);
      send(bob, busy, 5);
      awaitSequences(bob, busy, range(1, 5)); // fan-out has seen them all
      SessionHarness.Device ann = harness.open("ann");
      ann.send(SessionCoreTest.hello());
      ann.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(busy).putPositions(busy, 2)));
      awaitSequences(ann, busy, List.of(3L, 4L, 5L));
      assertEquals(0, history.reads.get(), "bob's room was live here: its events were at hand");

      String quiet = quietRoom(harness, bob, 3, "ann", "amy");
      ann.send(ConnectRequest.newBuilder().setFrameId("sub-quiet").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(quiet).putPositions(quiet, 0)));
      awaitSequences(ann, quiet, List.of(1L, 2L, 3L));
      assertEquals(1, history.reads.get(), "the first device of the quiet room reads the core");
      SessionHarness.Device amy = harness.open("amy");
      amy.send(SessionCoreTest.hello());
      amy.send(ConnectRequest.newBuilder().setFrameId("sub-quiet").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(quiet).putPositions(quiet, 0)));
      awaitSequences(amy, quiet, List.of(1L, 2L, 3L));
      assertEquals(1, history.reads.get(), "the next finds what the first read");
    }
  }

  @Test
  void devicesComingBackToARoomAtOnceShareOneCoreRead() throws Exception {
    CountedHistory history = new CountedHistory();
    try (SessionHarness harness = new SessionHarness(Map.of(), history)) {
      SessionHarness.Device bob = harness.open("bob");
      bob.send(SessionCoreTest.hello());
      String room = quietRoom(harness, bob, 4, "ann", "amy", "abe");
      history.holding = true;
      List<SessionHarness.Device> back = new ArrayList<>();
      for (String profile : List.of("ann", "amy", "abe")) {
        SessionHarness.Device device = harness.open(profile);
        device.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.newBuilder().putPositions(room, 1)));
        back.add(device);
      }
      Await.until(WAIT, () -> back.stream().allMatch(d -> !d.matching(ServerEvent::hasSubscribed).isEmpty()), "all three subscribed");
      assertEquals(1, history.reads.get(), "one read under way for the room; the others wait for it");
      history.release();
      for (SessionHarness.Device device : back) {
        awaitSequences(device, room, List.of(2L, 3L, 4L));
      }
      assertEquals(1, history.reads.get(), "and find what it read");
    }
  }

  @Test
  void positionsOutsideTheFrameOrBelowZeroAreRefused() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = harness.open("ann");
      ann.send(SessionCoreTest.hello());
      ann.send(ConnectRequest.newBuilder().setFrameId("neg").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room).putPositions(room, -1)));
      assertEquals(io.chatgateway.proto.v1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ann.answerTo("neg").getError().getCode(), ann.answerTo("neg").toString());
      ann.send(ConnectRequest.newBuilder().setFrameId("other").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room).putPositions("elsewhere", 3)));
      assertEquals(io.chatgateway.proto.v1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT, ann.answerTo("other").getError().getCode(), ann.answerTo("other").toString());
      assertTrue(ann.matching(ServerEvent::hasSubscribed).isEmpty(), "nothing subscribed");
      ann.send(ConnectRequest.newBuilder().setFrameId("hello-again").setHello(HelloFrame.newBuilder().putPositions(room, -5)));
      assertEquals(io.chatgateway.proto.v1.ErrorCode.ERROR_CODE_HELLO_REQUIRED, ann.answerTo("hello-again").getError().getCode(), "hello only once: " + ann.answerTo("hello-again"));
    }
  }

  @Test
  void aHelloWithBadPositionsIsAnsweredWithAnErrorAndTheSessionStaysOpen() throws Exception {
    try (SessionHarness harness = new SessionHarness(Map.of())) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = harness.open("ann");
      ann.send(ConnectRequest.newBuilder().setFrameId("hello").setHello(HelloFrame.newBuilder().putPositions(room, -5).putPositions("bad room!", 1)));
      assertTrue(ann.await(ServerEvent::hasReady, "ready").hasReady());
      ServerEvent refused = ann.await(ServerEvent::hasError, "the refused positions");
      assertEquals(io.chatgateway.proto.v1.ErrorCode.ERROR_CODE_INVALID_ARGUMENT, refused.getError().getCode());
      assertEquals("hello", refused.getFrameId());
      assertTrue(ann.transport.closed == null, "the session stays open");
    }
  }

  /** A device of {@code profile}, subscribed to {@code room} and live in it. */
  static SessionHarness.Device live(SessionHarness harness, String profile, String room) {
    SessionHarness.Device device = harness.open(profile);
    device.send(SessionCoreTest.hello());
    device.send(ConnectRequest.newBuilder().setFrameId("sub-" + room).setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
    RoomSubscriptionResult result = device.await(e -> e.hasSubscribed() && e.getFrameId().equals("sub-" + room), "subscribed").getSubscribed().getResults(0);
    assertTrue(result.getOk(), result.toString());
    return device;
  }

  private static int sent;

  /** {@code device} sends {@code count} messages to {@code room} and waits for their acks. */
  static void send(SessionHarness.Device device, String room, int count) {
    int acked = device.matching(ServerEvent::hasAck).size();
    for (int i = 0; i < count; i++) {
      String id = "m" + (++sent);
      device.send(
          ConnectRequest.newBuilder()
              .setFrameId(id)
              .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId(id).setText(TextPayload.newBuilder().setText(id)))));
    }
    Await.until(WAIT, () -> device.matching(ServerEvent::hasAck).size() == acked + count, () -> "acks; got " + device.events());
  }

  static List<ServerEvent> roomEvents(SessionHarness.Device device, String room) {
    return device.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(room));
  }

  /** Waits until the device has exactly {@code expected} (in this order) of the room's events, and no more for a moment. */
  static void awaitSequences(SessionHarness.Device device, String room, List<Long> expected) {
    Await.until(
        WAIT,
        () -> roomEvents(device, room).size() >= expected.size(),
        () -> device.profile + " waiting for " + expected + "; got " + sequences(device, room) + "; subscribed: " + device.matching(ServerEvent::hasSubscribed));
    assertEquals(expected, sequences(device, room));
  }

  static List<Long> sequences(SessionHarness.Device device, String room) {
    return roomEvents(device, room).stream().map(e -> e.getRoomEvent().getSequence()).toList();
  }

  static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }
}
