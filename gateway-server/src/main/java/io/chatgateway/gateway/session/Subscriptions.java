package io.chatgateway.gateway.session;

import io.chatgateway.client.Ids;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ErrorCode;
import io.chatgateway.proto.v1.ErrorEvent;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.GetRoomResponse;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribedEvent;
import io.chatgateway.proto.v1.UnsubscribeReason;
import io.chatgateway.proto.v1.UnsubscribedEvent;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The rooms one session listens to, and the subscribe protocol: a new room's slot registers with
 * fan-out <em>before</em> the core is asked about membership (and, with Redis, before the engine
 * confirms the channel), holding events until the answer, so nothing published after the {@code
 * subscribed} answer is missed; events the device will fetch by sequence are dropped on release.
 *
 * <p>Threading: the map is read by fan-out lanes (to find a slot) and changed only on the session's
 * executor, which owns everything else here; each {@link RoomSlot} guards itself.
 */
final class Subscriptions {

  private final DeviceSession session;
  private final SessionServices services;
  private final SessionConfig config;
  private final SerialExecutor executor;
  // Sized for the few rooms most devices subscribe to: per-session state is multiplied by every idle
  // connection (the idle-capacity benchmark's class histogram), so default capacities cost real memory.
  private final ConcurrentHashMap<String, RoomSlot> rooms = new ConcurrentHashMap<>(2);

  Subscriptions(DeviceSession session, SessionServices services, SerialExecutor executor) {
    this.session = session;
    this.services = services;
    this.config = services.config();
    this.executor = executor;
  }

  /** The slot of {@code roomId}, or null; any thread. */
  RoomSlot slot(String roomId) {
    return rooms.get(roomId);
  }

  /** Forgets {@code slot}, if it is still the one of {@code roomId}. */
  void remove(String roomId, RoomSlot slot) {
    rooms.remove(roomId, slot);
  }

  /** Rooms listened to or being joined, sorted (weakly consistent; any thread). */
  List<String> sortedIds() {
    return rooms.keySet().stream().sorted().toList();
  }

  int count() {
    return rooms.size();
  }

  /** The session ends: closes every slot, leaves fan-out, and returns the rooms that were live. */
  Set<String> closeAll() {
    Set<String> live = new HashSet<>();
    for (Map.Entry<String, RoomSlot> entry : rooms.entrySet()) {
      if (entry.getValue().close() == RoomSlot.State.LIVE) {
        live.add(entry.getKey());
      }
      services.fanout().unregister(entry.getKey(), session);
    }
    rooms.clear();
    return live;
  }

  void subscribe(String frameId, List<String> roomIds) {
    if (roomIds.isEmpty() || roomIds.size() > DeviceSession.MAX_ROOMS_PER_FRAME) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "subscribe needs 1 to " + DeviceSession.MAX_ROOMS_PER_FRAME + " room ids");
      return;
    }
    RoomSubscriptionResult[] results = new RoomSubscriptionResult[roomIds.size()];
    Map<Integer, RoomSlot> created = new HashMap<>();
    List<Integer> toCheck = new ArrayList<>();
    for (int i = 0; i < roomIds.size(); i++) {
      String roomId = roomIds.get(i);
      if (!Ids.isRoomId(roomId)) {
        results[i] = failure(roomId, ErrorCode.ERROR_CODE_INVALID_ARGUMENT, Ids.roomProblem("room id", roomId));
      } else if (rooms.containsKey(roomId)) {
        toCheck.add(i); // already subscribed: report its current sequence
      } else if (rooms.size() >= config.maxRoomsPerSession()) {
        results[i] = failure(roomId, ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, "at most " + config.maxRoomsPerSession() + " rooms per session (MAX_CHANNELS_PER_SOCKET)");
      } else {
        // Listen before asking the core, so no event published after its answer can be missed;
        // the slot holds events back until membership is confirmed.
        RoomSlot slot = new RoomSlot();
        rooms.put(roomId, slot);
        services.fanout().register(roomId, session);
        created.put(i, slot);
        toCheck.add(i);
      }
    }
    if (toCheck.isEmpty()) {
      completeSubscribe(frameId, roomIds, results, created);
      return;
    }
    // Ask the core only once the engine delivers the new rooms here (at once in memory; with Redis
    // when the subscription is confirmed), so the sequence it answers is a safe starting point.
    CompletableFuture<?>[] delivering =
        created.keySet().stream()
            .map(i -> services.engine().whenDelivering(roomIds.get(i)).toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(delivering)
        .orTimeout(DeviceSession.ENGINE_SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (ok, error) ->
                executor.execute(
                    () -> {
                      if (error != null) {
                        for (int index : created.keySet()) {
                          results[index] = failure(roomIds.get(index), ErrorCode.ERROR_CODE_UNAVAILABLE, "event delivery for this room is not available now; retry");
                        }
                        toCheck.removeAll(created.keySet());
                      }
                      checkMembership(frameId, roomIds, results, created, toCheck);
                    }));
  }

  private void checkMembership(
      String frameId, List<String> roomIds, RoomSubscriptionResult[] results, Map<Integer, RoomSlot> created, List<Integer> toCheck) {
    if (session.isClosed()) {
      return;
    }
    if (toCheck.isEmpty()) {
      completeSubscribe(frameId, roomIds, results, created);
      return;
    }
    int[] outstanding = {toCheck.size()};
    for (int index : toCheck) {
      String roomId = roomIds.get(index);
      session.callCore(
          ChatServiceGrpc.getGetRoomMethod(),
          GetRoomRequest.newBuilder().setRoomId(roomId).build(),
          (GetRoomResponse response, Status status) -> {
            if (status.isOk() && response.hasSubscription()) {
              results[index] =
                  RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true).setLastSequence(response.getRoom().getLastSequence()).build();
            } else if (status.isOk()) {
              results[index] = failure(roomId, ErrorCode.ERROR_CODE_PERMISSION_DENIED, "not a member of room " + roomId + "; join it first");
            } else {
              results[index] = failure(roomId, ServerEvents.codeFor(status.getCode()), DeviceSession.describe(status));
            }
            if (--outstanding[0] == 0) {
              completeSubscribe(frameId, roomIds, results, created);
            }
          });
    }
  }

  private void completeSubscribe(String frameId, List<String> roomIds, RoomSubscriptionResult[] results, Map<Integer, RoomSlot> created) {
    if (session.isClosed()) {
      return;
    }
    for (int i = 0; i < results.length; i++) {
      if (results[i].getOk()) {
        // Who is here already: one frame, however many people.
        results[i] = results[i].toBuilder().addAllPresent(services.presence().snapshot(roomIds.get(i), session.profileId())).build();
      }
    }
    session.enqueue(session.event(frameId).setSubscribed(SubscribedEvent.newBuilder().addAllResults(List.of(results))).build());
    for (Map.Entry<Integer, RoomSlot> entry : created.entrySet()) {
      String roomId = roomIds.get(entry.getKey());
      RoomSlot slot = entry.getValue();
      RoomSubscriptionResult result = results[entry.getKey()];
      if (result.getOk()) {
        if (activate(slot, result.getLastSequence())) {
          services.presence().roomJoined(session, roomId);
        }
      } else {
        slot.close();
        rooms.remove(roomId, slot);
        services.fanout().unregister(roomId, session);
      }
    }
    services.directory().sessionChanged(session.snapshot());
  }

  /** Releases events held back while membership was checked, skipping those the device will fetch. */
  private boolean activate(RoomSlot slot, long lastSequence) {
    return slot.activate(
        held -> {
          ServerEvent event = held.event();
          if (!event.hasRoomEvent() || event.getRoomEvent().getSequence() > lastSequence) {
            session.enqueue(held);
          }
        });
  }

  void unsubscribe(String frameId, List<String> roomIds) {
    if (roomIds.isEmpty() || roomIds.size() > DeviceSession.MAX_ROOMS_PER_FRAME) {
      session.reject(frameId, ErrorCode.ERROR_CODE_INVALID_FRAME, "unsubscribe needs 1 to " + DeviceSession.MAX_ROOMS_PER_FRAME + " room ids");
      return;
    }
    UnsubscribedEvent.Builder answer = UnsubscribedEvent.newBuilder().setReason(UnsubscribeReason.UNSUBSCRIBE_REASON_REQUESTED);
    for (String roomId : roomIds) {
      RoomSlot slot = rooms.remove(roomId);
      if (slot == null) {
        answer.addResults(failure(roomId, ErrorCode.ERROR_CODE_NOT_FOUND, "not subscribed to room " + roomId));
        continue;
      }
      slot.close();
      services.fanout().unregister(roomId, session);
      session.stopTyping(roomId);
      answer.addResults(RoomSubscriptionResult.newBuilder().setRoomId(roomId).setOk(true));
    }
    session.enqueue(session.event(frameId).setUnsubscribed(answer).build());
    services.directory().sessionChanged(session.snapshot());
  }

  private static RoomSubscriptionResult failure(String roomId, ErrorCode code, String message) {
    return RoomSubscriptionResult.newBuilder()
        .setRoomId(roomId)
        .setOk(false)
        .setError(ErrorEvent.newBuilder().setCode(code).setMessage(message))
        .build();
  }
}
