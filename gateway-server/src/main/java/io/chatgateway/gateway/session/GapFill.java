package io.chatgateway.gateway.session;

import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.HistoryDirection;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SubscribedEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Brings a session's {@link RoomSlot} up to date from the core's history: the events after the
 * slot's position, page by page (GetHistory after_sequence), each once and in order, then the events
 * the slot held back meanwhile. The same fill serves a resume, a subscribe from a position, and a
 * live gap (an event that skipped ahead: a pub/sub message lost, a core that published late).
 *
 * <p>Events come from the gateway's {@link RecentEvents} when it reaches back far enough, from the
 * core otherwise; pages read from the core are added to it, so the next device of the room that
 * comes back finds them there.
 *
 * <p>Bounds: at most {@code RESUME_MAX_EVENTS} per room and fill. A larger gap is not sent: the
 * slot jumps to the newest sequence and the device is told with a {@code SubscribedEvent} whose
 * result says {@code recovered=false}, so it reads the gap with GetHistory itself. A failing core is
 * asked again after 1, 2, 3, 4 s; after that the session ends with GOING_AWAY, and the device
 * resumes from its position.
 *
 * <p>Threading: owned by the session's executor; the core's answers come back to it.
 */
final class GapFill {

  static final int PAGE_SIZE = 200;
  static final int MAX_ATTEMPTS = 5;

  private final DeviceSession session;
  private final SessionServices services;
  private final int maxEvents;

  GapFill(DeviceSession session, SessionServices services) {
    this.session = session;
    this.services = services;
    this.maxEvents = services.config().resumeMaxEvents();
  }

  /**
   * Sends what the device misses of {@code roomId} after the slot's position, then releases the
   * slot; repeats while released events skip ahead. {@code then} runs once the slot is live (not if
   * it closed).
   */
  void catchUp(String roomId, RoomSlot slot, Runnable then) {
    page(roomId, slot, slot.position(), 0, 1, then);
  }

  private void page(String roomId, RoomSlot slot, long after, int sent, int attempt, Runnable then) {
    if (session.isClosed() || slot.isClosed()) {
      return;
    }
    long heldFrom = slot.firstHeldSequence();
    if (heldFrom != 0 && heldFrom - 1 - after > maxEvents - sent) {
      giveUp(roomId, slot, after, heldFrom - 1, then); // known to be too large: do not fetch it
      return;
    }
    List<RoomEvent> cached = services.recentEvents().after(roomId, after, maxEvents - sent);
    if (cached != null && !cached.isEmpty()) {
      services.metrics().historyRead(true, cached.size());
      for (RoomEvent event : cached) {
        session.enqueue(session.events().roomEvent(event));
      }
      // The cache ends at the newest event fan-out has seen: what follows is held, or still to come.
      release(roomId, slot, cached.get(cached.size() - 1).getSequence(), then);
      return;
    }
    CompletableFuture<Void> underWay = services.recentEvents().claimRead(roomId);
    if (underWay != null) {
      // Another session of this gateway is reading the room: what it reads lands in the cache.
      underWay.whenComplete((done, error) -> session.execute(() -> page(roomId, slot, after, sent, attempt, then)));
      return;
    }
    int pageSize = Math.max(1, Math.min(PAGE_SIZE, maxEvents - sent));
    session.whenCoreAnswers(
        session.core().getHistory(GetHistoryRequest.newBuilder().setRoomId(roomId).setDirection(HistoryDirection.HISTORY_DIRECTION_FORWARD).setAfterSequence(after).setPageSize(pageSize).build()),
        (history, failure) -> {
          if (failure == null) {
            services.recentEvents().addHistory(roomId, history.getEventsList());
          }
          services.recentEvents().readDone(roomId);
          if (session.isClosed() || slot.isClosed()) {
            return;
          }
          if (failure != null) {
            retry(roomId, slot, after, sent, attempt, then, failure);
            return;
          }
          services.metrics().historyRead(false, history.getEventsCount());
          long position = after;
          int count = sent;
          for (RoomEvent event : history.getEventsList()) {
            if (event.getSequence() > position) {
              session.enqueue(session.events().roomEvent(event));
              position = event.getSequence();
              count++;
            }
          }
          long target = slot.firstHeldSequence();
          boolean reachedHeld = target != 0 && position >= target - 1;
          if (history.getHasMore() && !reachedHeld) {
            if (count >= maxEvents) {
              giveUp(roomId, slot, position, target == 0 ? -1 : target - 1, then);
            } else {
              page(roomId, slot, position, count, 1, then);
            }
            return;
          }
          release(roomId, slot, position, then);
        });
  }

  private void release(String roomId, RoomSlot slot, long upTo, Runnable then) {
    switch (slot.release(upTo, session::enqueue)) {
      case LIVE -> then.run();
      case HOLDING -> catchUp(roomId, slot, then); // a released event skipped ahead: fill that gap too
      case CLOSED -> {}
    }
  }

  /**
   * Too much is missing: the device is told where live events resume ({@code newest}, or the room's
   * newest when unknown, -1), and fetches the rest itself.
   */
  private void giveUp(String roomId, RoomSlot slot, long position, long newest, Runnable then) {
    if (newest < 0) {
      session.whenCoreAnswers(
          session.core().getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()),
          (room, failure) -> giveUp(roomId, slot, position, failure == null ? room.getRoom().getLastSequence() : position, then));
      return;
    }
    session.enqueue(
        session.events().builder("")
            .setSubscribed(
                SubscribedEvent.newBuilder()
                    .addResults(
                        RoomSubscriptionResult.newBuilder()
                            .setRoomId(roomId)
                            .setOk(true)
                            .setRecovered(false)
                            .setPosition(position)
                            .setLastSequence(newest)))
            .build());
    release(roomId, slot, newest, then);
  }

  private void retry(String roomId, RoomSlot slot, long after, int sent, int attempt, Runnable then, CoreCallException failure) {
    if (attempt >= MAX_ATTEMPTS) {
      session.fatal(
          "",
          ErrorCode.ERROR_CODE_UNAVAILABLE,
          "could not read the events of room " + roomId + " after sequence " + after + " (" + failure.getMessage() + "); reconnect and resume",
          CloseCode.GOING_AWAY);
      return;
    }
    Duration delay = Duration.ofSeconds(attempt);
    services.scheduler().schedule(() -> session.execute(() -> page(roomId, slot, after, sent, attempt + 1, then)), delay.toMillis(), TimeUnit.MILLISECONDS);
  }
}
