package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.chatgateway.proto.v1.TextPayload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The subscribe race, without sockets: events published while the core's membership answer is on
 * its way are held by the room's slot and released after {@code subscribed}, in order, minus those
 * at or below the sequence the answer reports (the device reads those from history). A core whose
 * GetRoom answers the test releases makes both orders of the race deterministic.
 */
class SubscribeRaceTest {

  /** The real core, except that ann's GetRoom answers wait for {@link #release}. */
  static final class LateRoomAnswers implements CoreCalls.Factory {
    private final CoreCalls.Factory real;
    private final boolean askWhenReleased;
    final List<Runnable> waiting = new CopyOnWriteArrayList<>();

    /** @param askWhenReleased ask the core when released (its answer then sees later events), or at once and hold the answer */
    LateRoomAnswers(CoreCalls.Factory real, boolean askWhenReleased) {
      this.real = real;
      this.askWhenReleased = askWhenReleased;
    }

    void release() {
      waiting.forEach(Runnable::run);
      waiting.clear();
    }

    @Override
    public CoreCalls open(CallerIdentity device) {
      return new ForwardingCoreCalls(real.open(device)) {
        @Override
        public CompletionStage<GetRoomResponse> getRoom(GetRoomRequest request) {
          if (!device.profileId().equals("ann")) {
            return real.getRoom(request);
          }
          CompletableFuture<GetRoomResponse> answer = new CompletableFuture<>();
          Supplier<CompletionStage<GetRoomResponse>> ask = () -> real.getRoom(request);
          if (askWhenReleased) {
            waiting.add(() -> ask.get().whenComplete((response, error) -> ForwardingCoreCalls.settle(answer, response, error)));
          } else {
            ask.get().whenComplete((response, error) -> waiting.add(() -> ForwardingCoreCalls.settle(answer, response, error)));
          }
          return answer;
        }
      };
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(5);

  @Test
  void eventsPublishedBeforeAnEarlyAnswerArrivesAreReleasedAfterSubscribedInOrder() throws Exception {
    LateRoomAnswers[] core = new LateRoomAnswers[1];
    try (SessionHarness harness = new SessionHarness(Map.of(), real -> core[0] = new LateRoomAnswers(real, false))) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = joinWhileTheAnswerIsLate(harness, core[0], room);
      SessionHarness.Device bob = sendThree(harness, room, ann);

      core[0].release(); // the answer said last_sequence 0: all three are new to ann
      ServerEvent subscribed = ann.await(ServerEvent::hasSubscribed, "subscribed");
      assertEquals(0, subscribed.getSubscribed().getResults(0).getLastSequence());
      Await.until(WAIT, () -> sequences(ann, room).size() == 3, () -> "ann waiting for the held events; got " + ann.events());
      assertEquals(List.of(1L, 2L, 3L), sequences(ann, room));
      assertTrue(ann.events().indexOf(subscribed) < ann.events().indexOf(ann.matching(ServerEvent::hasRoomEvent).get(0)), "subscribed comes first");

      bob.send(message(room, "four"));
      Await.until(WAIT, () -> sequences(ann, room).size() == 4, () -> "ann waiting for the live event; got " + ann.events());
      assertEquals(List.of(1L, 2L, 3L, 4L), sequences(ann, room), "no gap and no duplicate at the switch to live");
    }
  }

  @Test
  void eventsAtOrBelowTheAnsweredSequenceAreNotDeliveredTwice() throws Exception {
    LateRoomAnswers[] core = new LateRoomAnswers[1];
    try (SessionHarness harness = new SessionHarness(Map.of(), real -> core[0] = new LateRoomAnswers(real, true))) {
      String room = harness.room("bob", "ann");
      SessionHarness.Device ann = joinWhileTheAnswerIsLate(harness, core[0], room);
      SessionHarness.Device bob = sendThree(harness, room, ann);

      core[0].release(); // asked now: the core already holds 1..3, so the device reads them from history
      ServerEvent subscribed = ann.await(ServerEvent::hasSubscribed, "subscribed");
      assertEquals(3, subscribed.getSubscribed().getResults(0).getLastSequence());
      bob.send(message(room, "four"));
      Await.until(WAIT, () -> !sequences(ann, room).isEmpty(), () -> "ann waiting for the live event; got " + ann.events());
      assertEquals(List.of(4L), sequences(ann, room), "held events the answer covers are dropped");
    }
  }

  /** Ann subscribes; her slot is registered with fan-out and her GetRoom answer waits. */
  private static SessionHarness.Device joinWhileTheAnswerIsLate(SessionHarness harness, LateRoomAnswers core, String room) {
    SessionHarness.Device ann = harness.open("ann");
    ann.send(SessionCoreTest.hello());
    ann.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
    Await.until(WAIT, () -> !core.waiting.isEmpty(), "ann's GetRoom to be held");
    assertTrue(ann.matching(ServerEvent::hasSubscribed).isEmpty());
    return ann;
  }

  /** Bob, subscribed and live, sends three events; returns once fan-out offered them to every session of the room. */
  private static SessionHarness.Device sendThree(SessionHarness harness, String room, SessionHarness.Device ann) {
    SessionHarness.Device bob = harness.open("bob");
    bob.send(SessionCoreTest.hello());
    bob.send(ConnectRequest.newBuilder().setFrameId("sub").setSubscribe(SubscribeFrame.newBuilder().addRoomIds(room)));
    bob.await(ServerEvent::hasSubscribed, "bob subscribed");
    for (String text : List.of("one", "two", "three")) {
      bob.send(message(room, text));
    }
    // Bob's own copy of event 3 is written when the lane's burst that offered it to every session
    // of the room ends, so ann's slot holds 1..3 by then.
    Await.until(WAIT, () -> sequences(bob, room).contains(3L), () -> "bob waiting for his own events; got " + bob.events());
    assertTrue(sequences(ann, room).isEmpty(), "nothing reaches ann before her answer");
    return bob;
  }

  private static ConnectRequest.Builder message(String room, String text) {
    return ConnectRequest.newBuilder()
        .setFrameId("send-" + text)
        .setSend(SendFrame.newBuilder().addEvents(RoomEvent.newBuilder().setRoomId(room).setType(EventType.EVENT_TYPE_MESSAGE).setClientEventId(text).setText(TextPayload.newBuilder().setText(text))));
  }

  private static List<Long> sequences(SessionHarness.Device device, String room) {
    return device.matching(e -> e.hasRoomEvent() && e.getRoomEvent().getRoomId().equals(room)).stream().map(e -> e.getRoomEvent().getSequence()).toList();
  }
}
