package io.chatgateway.gateway.session;

import io.chatgateway.client.Ids;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeReason;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.chatgateway.proto.v1.UnsubscribedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The rooms one session listens to, and the subscribe protocol: a new room's slot registers with
 * fan-out <em>before</em> the core is asked about membership (and, with Redis, before the engine
 * confirms the channel), holding events until the answer, so nothing published after the {@code
 * subscribed} answer is missed; events the device will fetch by sequence are dropped on release.
 *
 * <p>Threading: the slots are read by fan-out lanes (to find one) and changed only on the session's
 * executor, which owns everything else here; each {@link RoomSlot} guards itself.
 */
final class Subscriptions {

  static final int MAX_ROOMS_PER_FRAME = 200;
  /** How long a subscribe waits for the engine to deliver a room before it reports UNAVAILABLE. */
  static final Duration ENGINE_SUBSCRIBE_TIMEOUT = Duration.ofSeconds(5);

  private final DeviceSession session;
  private final SessionServices services;
  private final SessionConfig config;
  private final SerialExecutor executor;
  private final RoomSlots rooms = new RoomSlots();
  private GapFill gapFill; // made on first use (executor only): most sessions never miss anything
  private boolean following; // executor only: the session follows its profile's rooms (a larger bound)

  Subscriptions(DeviceSession session, SessionServices services, SerialExecutor executor) {
    this.session = session;
    this.services = services;
    this.config = services.config();
    this.executor = executor;
  }

  /**
   * Fan-out: queues an event of {@code roomId} if the session listens to it, holds it while the
   * room is being joined, and leaves the drain this may need to {@code drains}. Any thread.
   *
   * @return whether the event was let through to the session's queue now
   */
  boolean deliver(String roomId, OutboundEvent event, DrainBatch drains) {
    RoomSlot slot = rooms.get(roomId);
    if (slot == null || !session.open()) {
      return false;
    }
    switch (slot.offer(event, config.maxQueuedMessages())) {
      case LIVE -> {
        if (session.offer(event)) {
          drains.owe(session);
        }
        return true;
      }
      case GAP -> executor.execute(() -> gapFill().catchUp(roomId, slot, () -> {}));
      case FULL -> heldTooMany(roomId);
      case HELD, DUPLICATE, CLOSED -> {}
    }
    return false;
  }

  /**
   * Fan-out of a member's state that is pushed only in rooms small enough for it (presence, typing):
   * as {@link #deliver}, unless the room is one whose presence is on request. Any thread.
   */
  boolean deliverMemberState(String roomId, OutboundEvent event, DrainBatch drains) {
    RoomSlot slot = rooms.get(roomId);
    return slot != null && !slot.presenceOnRequest() && deliver(roomId, event, drains);
  }

  /**
   * Coalesced presence changes: those the session's rooms let through now, in order. A room being
   * joined keeps its change (the newest per member) until it is live; a room left, or one whose
   * presence is on request, drops it. Executor only.
   */
  List<OutboundEvent> admitPresence(List<PresenceCoalescer.Change> changes) {
    List<OutboundEvent> live = new ArrayList<>(changes.size());
    for (PresenceCoalescer.Change change : changes) {
      RoomSlot slot = rooms.get(change.roomId());
      if (slot == null || slot.presenceOnRequest()) {
        continue;
      }
      switch (slot.offer(change.event(), config.maxQueuedMessages())) {
        case LIVE -> live.add(change.event());
        case FULL -> heldTooMany(change.roomId());
        default -> {}
      }
    }
    return live;
  }

  /** Cuts the session: its slot of {@code roomId} holds as many events back as it may. */
  private void heldTooMany(String roomId) {
    session.cutSlowConsumer(
        "more events of room " + roomId + " arrived while it was being joined or caught up than the session may hold back ("
            + config.maxQueuedMessages() + " room events); reconnect and resume");
  }

  /** Whether the session is in {@code roomId}: subscribed, membership confirmed. */
  boolean joined(String roomId) {
    RoomSlot slot = rooms.get(roomId);
    return slot != null && slot.joined();
  }

  /** Whether {@code roomId}'s presence and typing are not pushed to this session (too many members). */
  boolean presenceOnRequest(String roomId) {
    RoomSlot slot = rooms.get(roomId);
    return slot != null && slot.presenceOnRequest();
  }

  /** Ends the subscription to {@code roomId} because the core says so; any thread. */
  void revoke(String roomId, UnsubscribeReason reason) {
    RoomSlot slot = rooms.get(roomId);
    if (slot == null || slot.close() == RoomSlot.State.CLOSED) {
      return;
    }
    session.enqueue(services.events().unsubscribed(roomId, reason));
    executor.execute(
        () -> {
          rooms.remove(slot);
          services.fanout().unregister(roomId, session);
          session.typing().stop(roomId);
          services.directory().sessionChanged(session.snapshot());
        });
  }

  /** Rooms listened to or being joined, sorted (weakly consistent; any thread). */
  List<String> sortedIds() {
    return rooms.all().stream().map(RoomSlot::roomId).sorted().toList();
  }

  int count() {
    return rooms.size();
  }

  /** The joined rooms with the session's position in each, now. */
  Map<String, Long> positions() {
    Map<String, Long> positions = new HashMap<>();
    for (RoomSlot slot : rooms.all()) {
      if (slot.joined()) {
        positions.put(slot.roomId(), slot.position());
      }
    }
    return positions;
  }

  /** The session ends: closes every slot, leaves fan-out, and returns the joined rooms with their positions. */
  Map<String, Long> closeAll() {
    Map<String, Long> positions = new HashMap<>();
    for (RoomSlot slot : rooms.all()) {
      if (slot.joined()) {
        positions.put(slot.roomId(), slot.position());
      }
      slot.close();
      services.fanout().unregister(slot.roomId(), session);
    }
    rooms.clear();
    return positions;
  }

  /**
   * A subscribe frame (or a resume): {@code positions} gives, for rooms the device already has
   * events of, the sequence of its newest one; those rooms are filled from there.
   */
  void subscribe(String frameId, List<String> roomIds, Map<String, Long> positions) {
    subscribe(frameId, roomIds, positions, SubscribeReason.SUBSCRIBE_REASON_UNSPECIFIED);
  }

  /**
   * From now on the session may hold MAX_FOLLOWED_ROOMS rooms instead of MAX_CHANNELS_PER_SOCKET:
   * it follows its profile's rooms ({@link RoomFollowing}). Executor only.
   */
  void allowFollowedRooms() {
    following = true;
  }

  /** Whether {@code roomId} has a slot here: subscribed, or being joined. Any thread. */
  boolean listensTo(String roomId) {
    return rooms.contains(roomId);
  }

  /** Subscribes {@code roomIds} as {@link #subscribe(String, List, Map)} does, answering with {@code reason}. Executor only. */
  void subscribe(String frameId, List<String> roomIds, Map<String, Long> positions, SubscribeReason reason) {
    if (roomIds.isEmpty() || roomIds.size() > MAX_ROOMS_PER_FRAME) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "subscribe needs 1 to " + MAX_ROOMS_PER_FRAME + " room ids");
      return;
    }
    for (Map.Entry<String, Long> position : positions.entrySet()) {
      if (position.getValue() < 0 || !roomIds.contains(position.getKey())) {
        session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, "positions must name rooms of the frame, each with a sequence of 0 or more: " + Ids.clip(position.getKey()));
        return;
      }
    }
    Round round = new Round(frameId, roomIds, positions, reason);
    int bound = following ? config.maxFollowedRooms() : config.maxRoomsPerSession();
    for (int i = 0; i < roomIds.size(); i++) {
      String roomId = roomIds.get(i);
      if (!Ids.isRoomId(roomId)) {
        round.results[i] = ServerEvents.failure(roomId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, Ids.roomProblem("room id", roomId));
      } else if (rooms.contains(roomId)) {
        round.toCheck.add(i); // already subscribed: report its current sequence
      } else if (rooms.size() >= bound) {
        round.results[i] = ServerEvents.failure(
            roomId, ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, "at most " + bound + " rooms per session (" + (following ? "MAX_FOLLOWED_ROOMS" : "MAX_CHANNELS_PER_SOCKET") + ")");
      } else {
        // Listen before asking the core, so no event published after its answer can be missed;
        // the slot holds events back until membership is confirmed.
        RoomSlot slot = new RoomSlot(roomId);
        rooms.add(slot);
        services.fanout().register(roomId, session);
        round.created.put(i, slot);
        round.toCheck.add(i);
      }
    }
    if (round.created.isEmpty()) {
      checkMembership(round);
      return;
    }
    // Ask the core only once the engine delivers the new rooms here (at once in memory; with Redis
    // when the subscription is confirmed), so the sequence it answers is a safe starting point.
    CompletableFuture<?>[] delivering =
        round.created.keySet().stream()
            .map(i -> services.engine().whenDelivering(roomIds.get(i)).toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(delivering)
        .orTimeout(ENGINE_SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (ok, error) ->
                executor.execute(
                    () -> {
                      if (error != null) {
                        for (int index : round.created.keySet()) {
                          round.results[index] = ServerEvents.failure(roomIds.get(index), ErrorCode.ERROR_CODE_UNAVAILABLE, "event delivery for this room is not available now; retry");
                        }
                        round.toCheck.removeAll(round.created.keySet());
                      }
                      checkMembership(round);
                    }));
  }

  /** One subscribe frame on its way: the answer being built, and the rooms still to hear about. */
  private static final class Round {
    final String frameId;
    final List<String> roomIds;
    final Map<String, Long> positions;
    final RoomSubscriptionResult[] results;
    final SubscribeReason reason;
    /** New slots by index in {@link #roomIds}: they hold events until the answer. */
    final Map<Integer, RoomSlot> created = new HashMap<>();
    /** Indexes whose membership the core is asked about. */
    final List<Integer> toCheck = new ArrayList<>();
    /** Each room's member count, as the core answered it. */
    final int[] memberCounts;
    int unanswered;

    Round(String frameId, List<String> roomIds, Map<String, Long> positions, SubscribeReason reason) {
      this.frameId = frameId;
      this.reason = reason;
      this.roomIds = roomIds;
      this.positions = positions;
      this.results = new RoomSubscriptionResult[roomIds.size()];
      this.memberCounts = new int[roomIds.size()];
    }
  }

  private void checkMembership(Round round) {
    if (session.isClosed()) {
      return;
    }
    if (round.toCheck.isEmpty()) {
      complete(round);
      return;
    }
    round.unanswered = round.toCheck.size();
    for (int index : round.toCheck) {
      String roomId = round.roomIds.get(index);
      session.whenCoreAnswers(
          session.core().getRoom(GetRoomRequest.newBuilder().setRoomId(roomId).build()),
          (response, failure) -> {
            if (failure != null) {
              round.results[index] = ServerEvents.failure(roomId, failure.code(), failure.getMessage());
            } else if (response.hasSubscription()) {
              round.memberCounts[index] = response.getRoom().getMemberCount();
              round.results[index] =
                  RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true).setLastSequence(response.getRoom().getLastSequence()).build();
            } else {
              round.results[index] = ServerEvents.failure(roomId, ErrorCode.ERROR_CODE_PERMISSION_DENIED, "not a member of room " + roomId + "; join it first");
            }
            if (--round.unanswered == 0) {
              complete(round);
            }
          });
    }
  }

  private void complete(Round round) {
    if (session.isClosed()) {
      return;
    }
    RoomSubscriptionResult[] results = round.results;
    // Followed rooms share most members: their presence goes once per member after the answer,
    // not in every room's result (2,000 rooms of 100 present members made answers of megabytes).
    Map<String, PresenceEvent> followedPresent = round.reason == SubscribeReason.SUBSCRIBE_REASON_FOLLOWED ? new LinkedHashMap<>() : null;
    for (int i = 0; i < results.length; i++) {
      if (results[i].getOk()) {
        String roomId = round.roomIds.get(i);
        RoomSlot slot = round.created.get(i);
        boolean onRequest = round.memberCounts[i] > config.presencePushMaxMembers();
        RoomSlot subscribed = slot == null ? rooms.get(roomId) : slot;
        if (subscribed != null) {
          subscribed.presenceOnRequest(onRequest);
        }
        RoomSubscriptionResult.Builder result = results[i].toBuilder();
        if (onRequest) {
          result.setPresenceOnRequest(true);
        } else if (followedPresent != null) {
          for (PresenceEvent present : services.presence().snapshot(roomId, session.profileId())) {
            if (followedPresent.size() < PresenceTracker.MAX_SNAPSHOT) {
              followedPresent.putIfAbsent(present.getProfileId(), present);
            }
          }
        } else {
          result.addAllPresent(services.presence().snapshot(roomId, session.profileId()));
        }
        Long position = round.positions.get(roomId);
        if (slot == null) {
          result.setRecovered(true).setPosition(subscribed != null ? subscribed.position() : 0);
        } else if (position == null) {
          result.setRecovered(true);
        } else {
          long from = Math.min(position, result.getLastSequence());
          result.setPosition(from).setRecovered(result.getLastSequence() - from <= config.resumeMaxEvents());
        }
        results[i] = result.build();
      }
    }
    // The answer goes first: the events a fill sends, then live ones, follow it.
    session.enqueue(session.events().builder(round.frameId).setSubscribed(SubscribedEvent.newBuilder().addAllResults(List.of(results)).setReason(round.reason)).build());
    if (followedPresent != null) {
      List<OutboundEvent> presence = new ArrayList<>(followedPresent.size());
      followedPresent.values().forEach(present -> presence.add(OutboundEvent.of(session.events().builder("").setPresence(present).build())));
      session.enqueueTogether(presence);
    }
    for (Map.Entry<Integer, RoomSlot> entry : round.created.entrySet()) {
      String roomId = round.roomIds.get(entry.getKey());
      RoomSlot slot = entry.getValue();
      RoomSubscriptionResult result = results[entry.getKey()];
      if (!result.getOk()) {
        slot.close();
        rooms.remove(slot);
        services.fanout().unregister(roomId, session);
      } else if (round.positions.containsKey(roomId) && result.getRecovered()) {
        // History covers the position up to the events held since the slot registered.
        slot.startAt(result.getPosition());
        gapFill().catchUp(roomId, slot, () -> announce(roomId, result));
      } else if (release(roomId, slot, result.getLastSequence()) != RoomSlot.State.CLOSED) {
        announce(roomId, result);
      }
    }
    services.directory().sessionChanged(session.snapshot());
  }

  /** The session is present in a room it joined; announced there unless the room's presence is on request. */
  private void announce(String roomId, RoomSubscriptionResult result) {
    services.presence().roomJoined(session, roomId, !result.getPresenceOnRequest());
  }

  private GapFill gapFill() {
    if (gapFill == null) {
      gapFill = new GapFill(session, services);
    }
    return gapFill;
  }

  /** The device starts at {@code upTo}: releases what was held after it, and fills a gap if one shows. */
  private RoomSlot.State release(String roomId, RoomSlot slot, long upTo) {
    RoomSlot.State state = slot.release(upTo, session::enqueue);
    if (state == RoomSlot.State.HOLDING) {
      gapFill().catchUp(roomId, slot, () -> {});
    }
    return state;
  }

  void unsubscribe(String frameId, List<String> roomIds) {
    if (roomIds.isEmpty() || roomIds.size() > MAX_ROOMS_PER_FRAME) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "unsubscribe needs 1 to " + MAX_ROOMS_PER_FRAME + " room ids");
      return;
    }
    UnsubscribedEvent.Builder answer = UnsubscribedEvent.newBuilder().setReason(UnsubscribeReason.UNSUBSCRIBE_REASON_REQUESTED);
    for (String roomId : roomIds) {
      RoomSlot slot = rooms.get(roomId);
      if (slot == null) {
        answer.addResults(ServerEvents.failure(roomId, ErrorCode.ERROR_CODE_NOT_FOUND, "not subscribed to room " + roomId));
        continue;
      }
      rooms.remove(slot);
      slot.close();
      services.fanout().unregister(roomId, session);
      session.typing().stop(roomId);
      answer.addResults(RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true));
    }
    session.enqueue(session.events().builder(frameId).setUnsubscribed(answer).build());
    services.directory().sessionChanged(session.snapshot());
  }
}
