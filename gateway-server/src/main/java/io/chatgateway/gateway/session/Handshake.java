package io.chatgateway.gateway.session;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A session's {@code hello}: identifies the session to the registry, the directory and presence,
 * takes up the rooms of a resumed session and those the hello names with positions (the device's
 * own positions win), answers {@code ready} with the token the next resume needs, then subscribes
 * the rooms again from their positions (answered by a {@code subscribed} with the hello's frame id).
 *
 * <p>Threading: owned by the session's executor.
 */
final class Handshake {


  private final DeviceSession session;
  private final SessionServices services;

  Handshake(DeviceSession session, SessionServices services) {
    this.session = session;
    this.services = services;
  }

  /**
   * Answers {@code hello}. The resume record is read asynchronously (it may be in Redis); {@code
   * then} runs on the executor once the session is ready, and only then may the next frame come.
   */
  void hello(String frameId, HelloFrame hello, Runnable then) {
    String resumeToken = services.newToken();
    session.identified(resumeToken, hello.getCapabilitiesList().contains(DeviceSession.BATCH_CAPABILITY));
    CompletionStage<Map<String, Long>> recorded =
        hello.getResumeToken().isEmpty() ? CompletableFuture.completedFuture(Map.of()) : services.resumes().take(hello.getResumeToken(), session.profileId());
    recorded.whenComplete(
        (positions, error) ->
            session.execute(
                () -> {
                  if (!session.isClosed()) {
                    ready(frameId, resumeToken, hello, positions == null ? Map.of() : positions);
                    then.run();
                  }
                }));
  }

  private void ready(String frameId, String resumeToken, HelloFrame hello, Map<String, Long> recorded) {
    // The gateway's record of a resumed session, then the device's own positions, which win.
    Map<String, Long> positions = new TreeMap<>(recorded);
    positions.putAll(hello.getPositionsMap());
    List<String> resumed = List.copyOf(positions.keySet());
    services.registry().identified(session);
    services.fanout().profiles().add(session);
    services.directory().sessionIdentified(session.snapshot());
    services.presence().sessionOpened(session);
    SessionConfig config = services.config();
    session.enqueue(
        session.events().builder(frameId)
            .setReady(
                ReadyEvent.newBuilder()
                    .setSessionId(session.id())
                    .setGatewayId(services.gatewayId())
                    .setHeartbeatInterval(Durations.fromSeconds(config.heartbeatInterval().toSeconds()))
                    .setResumeToken(resumeToken)
                    .setProfileId(session.profileId())
                    .setDeviceId(session.deviceId())
                    .setTokenExpireTime(Timestamps.fromMillis(session.token().expiresAt().toEpochMilli()))
                    .addAllResumedRoomIds(resumed))
            .build());
    for (int from = 0; from < resumed.size(); from += Subscriptions.MAX_ROOMS_PER_FRAME) {
      List<String> rooms = resumed.subList(from, Math.min(resumed.size(), from + Subscriptions.MAX_ROOMS_PER_FRAME));
      Map<String, Long> theirs = new HashMap<>();
      rooms.forEach(room -> theirs.put(room, positions.get(room)));
      session.subscriptions().subscribe(frameId, rooms, theirs);
    }
    if (hello.getCapabilitiesList().contains(DeviceSession.FOLLOW_ROOMS_CAPABILITY)) {
      session.following().follow(frameId);
    }
  }
}
