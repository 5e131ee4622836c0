package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * A session's sends, in order: the events of {@code send} frames go to the core one at a time, so a
 * device's events keep their order, and each is answered with an ack or an error. It also paces the
 * device: while more than {@link #BACKLOG_HIGH} events wait for the core, the transport is asked for
 * no further frame, and reading resumes once half of them are through.
 *
 * <p>Threading: owned by the session's executor; the core's answers come back to it.
 */
final class SendPipeline {

  static final int MAX_EVENTS_PER_SEND = 50;
  /** Pending sends beyond which the session stops reading frames until the core catches up. */
  static final int BACKLOG_HIGH = 256;

  private record PendingSend(String frameId, RoomEvent event) {}

  private final DeviceSession session;
  private final SessionTransport transport;
  // Created on first use: most sessions never send, and every idle connection would pay for it.
  private ArrayDeque<PendingSend> pending;
  private boolean inFlight;
  private boolean framesOwed;

  SendPipeline(DeviceSession session, SessionTransport transport) {
    this.session = session;
    this.transport = transport;
  }

  /** A {@code send} frame: queues its events for the core. */
  void send(String frameId, List<RoomEvent> events) {
    if (events.isEmpty() || events.size() > MAX_EVENTS_PER_SEND) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "send needs 1 to " + MAX_EVENTS_PER_SEND + " events");
      return;
    }
    for (RoomEvent event : events) {
      if (event.getRoomId().isEmpty()) {
        session.enqueue(
            session.events().error(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "event.room_id is required", false, Map.of("client_event_id", event.getClientEventId())));
      } else {
        if (pending == null) {
          pending = new ArrayDeque<>(2);
        }
        pending.add(new PendingSend(frameId, event));
      }
    }
    pump();
  }

  /** A frame was handled: lets the transport deliver the next one, unless the core is behind. */
  void frameDone() {
    if (pending != null && pending.size() >= BACKLOG_HIGH) {
      framesOwed = true;
    } else {
      transport.requestFrames(1);
    }
  }

  private void pump() {
    if (inFlight || pending == null || pending.isEmpty() || session.isClosed()) {
      return;
    }
    PendingSend next = pending.peek();
    inFlight = true;
    RoomEvent event = next.event();
    session.whenCoreAnswers(
        session.core().sendEvent(SendEventRequest.newBuilder().setRoomId(event.getRoomId()).setEvent(event).build()),
        (response, failure) -> {
          pending.poll();
          inFlight = false;
          if (failure == null) {
            session.enqueue(session.events().ack(next.frameId(), response.getEvent()));
          } else {
            session.enqueue(
                session.events().error(
                    next.frameId(), failure.code(), failure.getMessage(), false, Map.of("client_event_id", event.getClientEventId(), "room_id", event.getRoomId())));
          }
          if (framesOwed && pending.size() < BACKLOG_HIGH / 2) {
            framesOwed = false;
            transport.requestFrames(1);
          }
          pump();
        });
  }
}
