package io.chatgateway.gateway.session;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.ReadyEvent;
import java.util.List;
import java.util.Set;

/**
 * A session's {@code hello}: identifies the session to the registry, the directory and presence,
 * takes up the rooms of a resumed session, and answers {@code ready} with the token the next resume
 * needs.
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

  void hello(String frameId, HelloFrame hello, long now) {
    String resumeToken = services.resumes().newToken();
    session.identified(resumeToken, hello.getCapabilitiesList().contains(DeviceSession.BATCH_CAPABILITY));
    Set<String> resumed =
        hello.getResumeToken().isEmpty() ? Set.of() : services.resumes().take(hello.getResumeToken(), session.profileId(), now);
    services.registry().identified(session);
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
    if (!resumed.isEmpty()) {
      session.subscriptions().subscribe("", List.copyOf(resumed));
    }
  }
}
