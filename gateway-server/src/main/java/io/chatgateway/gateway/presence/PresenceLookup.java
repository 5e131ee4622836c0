package io.chatgateway.gateway.presence;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import io.chatgateway.client.Ids;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.forward.ServedHere;
import io.chatgateway.gateway.forward.UnaryCalls;
import io.chatgateway.gateway.session.PresenceTracker;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.GetPresenceRequest;
import io.chatgateway.proto.v1.GetPresenceResponse;
import io.chatgateway.proto.v1.GetRoomRequest;
import io.chatgateway.proto.v1.PresenceEvent;
import io.chatgateway.proto.v1.PresenceStatus;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GetPresence}, answered by the gateway: what its own sessions say ({@link PresenceTracker}),
 * merged with what the directory knows of every gateway's (with Redis). A room is answered only to
 * its members, which the core is asked about (one {@code GetRoom} as the caller); the presence itself
 * never comes from the core.
 *
 * <p>Thread-safe and stateless; answers complete on Redis's or the core channel's threads.
 */
public final class PresenceLookup implements ServedHere<GetPresenceRequest, GetPresenceResponse> {

  /** Profiles one request may name. */
  public static final int MAX_PROFILES = 500;
  /** Present members one answer for a room holds at most. */
  public static final int MAX_ROOM_ANSWER = 1_000;

  private final PresenceTracker local;
  private final SessionDirectory directory;
  private final Channel core;

  /**
   * @param core the channel to the core, which carries the caller's identity from the current context
   */
  public PresenceLookup(PresenceTracker local, SessionDirectory directory, Channel core) {
    this.local = requireNonNull(local, "local");
    this.directory = requireNonNull(directory, "directory");
    this.core = requireNonNull(core, "core");
  }

  @Override
  public MethodDescriptor<GetPresenceRequest, GetPresenceResponse> method() {
    return ChatServiceGrpc.getGetPresenceMethod();
  }

  @Override
  public CompletionStage<GetPresenceResponse> answer(GetPresenceRequest request) {
    boolean room = !request.getRoomId().isEmpty();
    if (room == request.getProfileIdsCount() > 0) {
      return refused(Status.INVALID_ARGUMENT, "GetPresence needs exactly one of room_id and profile_ids");
    }
    if (room) {
      String problem = Ids.roomProblem("room_id", request.getRoomId());
      return problem != null ? refused(Status.INVALID_ARGUMENT, problem) : room(request.getRoomId());
    }
    if (request.getProfileIdsCount() > MAX_PROFILES) {
      return refused(Status.INVALID_ARGUMENT, "profile_ids may name at most " + MAX_PROFILES + " profiles, got " + request.getProfileIdsCount());
    }
    for (int i = 0; i < request.getProfileIdsCount(); i++) {
      String problem = Ids.problem("profile_ids[" + i + "]", request.getProfileIds(i));
      if (problem != null) {
        return refused(Status.INVALID_ARGUMENT, problem);
      }
    }
    return profiles(request.getProfileIdsList());
  }

  private CompletionStage<GetPresenceResponse> profiles(List<String> profileIds) {
    Map<String, PresenceEvent> here = local.current(profileIds);
    return directory.presenceOf(profileIds).thenApply(elsewhere -> {
      GetPresenceResponse.Builder answer = GetPresenceResponse.newBuilder();
      for (String profileId : profileIds) {
        PresenceEvent known = freshest(here.get(profileId), elsewhere.get(profileId));
        answer.addPresences(known != null ? known : PresenceEvent.newBuilder().setProfileId(profileId).setStatus(PresenceStatus.PRESENCE_STATUS_OFFLINE).build());
      }
      return answer.build();
    });
  }

  private CompletionStage<GetPresenceResponse> room(String roomId) {
    return UnaryCalls.call(core, ChatServiceGrpc.getGetRoomMethod(), GetRoomRequest.newBuilder().setRoomId(roomId).build())
        .thenCompose(room -> {
          if (!room.hasSubscription()) {
            return refused(Status.PERMISSION_DENIED, "not a member of room " + roomId);
          }
          List<PresenceEvent> here = local.presentIn(roomId, MAX_ROOM_ANSWER);
          return directory.presentIn(roomId, MAX_ROOM_ANSWER).thenApply(elsewhere -> {
            Map<String, PresenceEvent> present = new LinkedHashMap<>();
            for (PresenceEvent presence : elsewhere) {
              present.put(presence.getProfileId(), presence);
            }
            for (PresenceEvent presence : here) {
              present.merge(presence.getProfileId(), presence, PresenceLookup::freshest);
            }
            List<PresenceEvent> online = new ArrayList<>();
            for (PresenceEvent presence : present.values()) {
              if (presence.getStatus() != PresenceStatus.PRESENCE_STATUS_OFFLINE) {
                online.add(presence);
              }
            }
            boolean truncated = online.size() > MAX_ROOM_ANSWER;
            return GetPresenceResponse.newBuilder()
                .addAllPresences(truncated ? online.subList(0, MAX_ROOM_ANSWER) : online)
                .setTruncated(truncated)
                .build();
          });
        });
  }

  /**
   * Of two accounts of one profile, the one to believe: online beats offline (another gateway may
   * hold a session this one does not), this gateway's beats the directory's when both are online (it
   * is current, the directory may lag by a write), and of two offline ones the later seen.
   */
  static PresenceEvent freshest(PresenceEvent here, PresenceEvent elsewhere) {
    if (here == null || elsewhere == null) {
      return here != null ? here : elsewhere;
    }
    boolean hereOnline = here.getStatus() != PresenceStatus.PRESENCE_STATUS_OFFLINE;
    boolean elsewhereOnline = elsewhere.getStatus() != PresenceStatus.PRESENCE_STATUS_OFFLINE;
    if (hereOnline != elsewhereOnline) {
      return hereOnline ? here : elsewhere;
    }
    if (hereOnline) {
      return here;
    }
    return Timestamps.compare(here.getLastSeenTime(), elsewhere.getLastSeenTime()) >= 0 ? here : elsewhere;
  }

  private static <T> CompletionStage<T> refused(Status status, String why) {
    return CompletableFuture.failedFuture(status.withDescription(why).asRuntimeException());
  }
}
