package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.engine.InMemoryEngine;
import io.chatgateway.gateway.engine.InMemoryResumeRecords;
import io.chatgateway.gateway.forward.GrpcCoreCalls;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/** Sessions for unit tests that need real {@link DeviceSession}s but no network. */
final class SessionFixtures {

  private SessionFixtures() {}

  /** {@code count} sessions that never receive a frame, on services nobody calls. */
  static List<DeviceSession> idleSessions(int count) {
    SessionConfig config = SessionConfig.fromEnvironment(new EnvReader(Map.of()));
    SessionServices services =
        new SessionServices(
            "test-gw",
            config,
            GrpcCoreCalls.over(InProcessChannelBuilder.forName("nowhere").build()),
            new InMemoryEngine(),
            JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(Map.of("JWT_HMAC_SECRET", "x".repeat(32)))), null),
            SessionDirectory.LOCAL,
            new InMemoryResumeRecords(config.resumeTtl(), 1_000, System::nanoTime),
            SessionMetrics.NONE,
            Runnable::run,
            // Daemon: these services are never closed, and must not keep the test JVM alive.
            Executors.newSingleThreadScheduledExecutor(
                runnable -> {
                  Thread thread = new Thread(runnable, "session-fixtures-scheduler");
                  thread.setDaemon(true);
                  return thread;
                }),
            Clock.systemUTC(),
            System::nanoTime);
    List<DeviceSession> sessions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      VerifiedToken token = new VerifiedToken(new CallerIdentity("user-" + i, "device"), Instant.now().plus(Duration.ofHours(1)));
      sessions.add(DeviceSession.open(services, new SessionHarness.RecordingTransport(), token));
    }
    return sessions;
  }
}
