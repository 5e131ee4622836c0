package io.chatgateway.gateway.session;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.ChatServiceClient;
import io.chatgateway.client.CircuitBreaker;
import io.chatgateway.client.UpstreamConfig;
import io.chatgateway.core.ChatCore;
import io.chatgateway.core.EmbeddedChatService;
import io.chatgateway.gateway.auth.AuthConfig;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.engine.InMemoryEngine;
import io.chatgateway.gateway.backplane.ResumeRecords;
import io.chatgateway.gateway.engine.InMemoryResumeRecords;
import io.chatgateway.gateway.env.EnvReader;
import io.chatgateway.gateway.testing.Await;
import io.chatgateway.gateway.testing.TestTokens;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscriptionSpec;
import io.chatgateway.gateway.forward.GrpcCoreCalls;
import io.grpc.Context;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Real {@link DeviceSession}s without sockets: a recording transport, a {@link FakeClock} for every
 * session clock, session tasks run on the calling thread (or on a pool given to the constructor), and
 * the embedded core served in process.
 * Fan-out lanes are the real ones (their own threads), so deliveries to other sessions are awaited.
 * Close it after the test.
 */
final class SessionHarness implements AutoCloseable {

  final FakeClock clock = new FakeClock();
  /** Envelopes the core publishes that never reach fan-out, as if the bus lost them. */
  volatile Predicate<BusEnvelope> lost = envelope -> false;
  final SessionConfig config;
  final SessionServices services;
  private final Server core;
  private final ChatServiceClient upstream;
  private final InMemoryEngine engine = new InMemoryEngine();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "session-harness-scheduler");
            thread.setDaemon(true);
            return thread;
          });

  SessionHarness(Map<String, String> environment) throws IOException {
    this(environment, UnaryOperator.identity());
  }

  /** A harness whose sessions reach the core through {@code between} applied to the real one (a fake in between). */
  SessionHarness(Map<String, String> environment, UnaryOperator<CoreCalls.Factory> between) throws IOException {
    this(environment, between, null);
  }

  /** A harness whose sessions keep their resume records in {@code resumes} (null: in memory). */
  SessionHarness(Map<String, String> environment, UnaryOperator<CoreCalls.Factory> between, ResumeRecords resumes) throws IOException {
    this(environment, between, resumes, Runnable::run);
  }

  /**
   * A harness whose sessions run on {@code pool} (the gateway's call pool) until moved to a thread of
   * their own, instead of on the calling thread; with {@code OAUTH2_JWKS_URI} in {@code environment},
   * tokens are verified with that JWKS instead of the test secret.
   */
  SessionHarness(Map<String, String> environment, UnaryOperator<CoreCalls.Factory> between, ResumeRecords resumes, Executor pool) throws IOException {
    Map<String, String> env = new HashMap<>(environment);
    config = SessionConfig.fromEnvironment(new EnvReader(env));
    String name = "session-harness-" + UUID.randomUUID();
    core = InProcessServerBuilder.forName(name).directExecutor().addService(new EmbeddedChatService(new ChatCore(this::publish, clock, "core")).bindWithIdentity()).build().start();
    UpstreamConfig upstreamConfig = new UpstreamConfig(Duration.ofSeconds(5), 5, Duration.ofSeconds(5), 1, false);
    upstream = ChatServiceClient.over(InProcessChannelBuilder.forName(name).directExecutor(), upstreamConfig, new CircuitBreaker(5, Duration.ofSeconds(5), clock, state -> {}));
    Map<String, String> auth = new HashMap<>(Map.of("OAUTH2_ISSUER", TestTokens.ISSUER));
    if (env.containsKey("OAUTH2_JWKS_URI")) {
      auth.put("OAUTH2_JWKS_URI", env.get("OAUTH2_JWKS_URI"));
    } else {
      auth.put("JWT_HMAC_SECRET", TestTokens.SECRET);
    }
    JwtVerifier verifier = JwtVerifier.create(AuthConfig.fromEnvironment(new EnvReader(auth)), null);
    services = new SessionServices("gw-test", config, between.apply(GrpcCoreCalls.over(upstream.channel())), engine, verifier, SessionDirectory.LOCAL, resumes != null ? resumes : new InMemoryResumeRecords(config.resumeTtl(), 1_000, clock), SessionMetrics.NONE, pool, scheduler, clock, clock);
    engine.start(services.fanout());
  }

  /** A session of {@code profile} on {@code device} whose token expires after {@code lifetime}. */
  Device open(String profile, String device, Duration lifetime) {
    CallerIdentity identity = new CallerIdentity(profile, device);
    Device opened = new Device(profile);
    opened.session = DeviceSession.open(services, opened.transport, new VerifiedToken(identity, clock.instant().plus(lifetime)));
    return opened;
  }

  Device open(String profile) {
    return open(profile, "phone", Duration.ofHours(1));
  }

  /** A room owned by {@code owner} with {@code members}, made in the core directly. */
  String room(String owner, String... members) {
    CreateRoomRequest.Builder request = CreateRoomRequest.newBuilder().setName("unit");
    for (String member : members) {
      request.addInitialMembers(SubscriptionSpec.newBuilder().setProfileId(member));
    }
    Context asOwner = Context.ROOT.withValue(CallerIdentity.CONTEXT_KEY, new CallerIdentity(owner, "setup"));
    Context previous = asOwner.attach();
    try {
      return upstream.blockingStub().createRoom(request.build()).getRoom().getId();
    } finally {
      asOwner.detach(previous);
    }
  }

  private void publish(BusEnvelope envelope) {
    if (!lost.test(envelope)) {
      engine.publish(envelope);
    }
  }

  /** Moves every clock on and runs the sweeper and the presence flush once, as real time would. */
  void advance(Duration by) {
    clock.advance(by);
    services.sweep();
    services.flushPresence();
  }

  @Override
  public void close() {
    services.close();
    upstream.close();
    core.shutdownNow();
    engine.close();
    scheduler.shutdownNow();
  }

  /** One device: its session and the transport that records what the session did to it. */
  static final class Device {
    final String profile;
    final RecordingTransport transport = new RecordingTransport();
    DeviceSession session;

    Device(String profile) {
      this.profile = profile;
    }

    void send(ConnectRequest.Builder frame) {
      session.onFrame(frame.build().toByteArray());
    }

    List<ServerEvent> events() {
      return transport.events();
    }

    List<ServerEvent> matching(Predicate<ServerEvent> match) {
      return events().stream().filter(match).toList();
    }

    ServerEvent last() {
      List<ServerEvent> all = events();
      return all.get(all.size() - 1);
    }

    /**
     * The session's answer to the frame sent with {@code frameId}. Use it rather than {@link #last()} where the device is
     * in rooms: a notice fanned out by another thread (a membership, a room event) can land after the answer.
     */
    ServerEvent answerTo(String frameId) {
      return await(e -> e.getFrameId().equals(frameId), "the answer to " + frameId);
    }

    /** Waits until {@code count} events match, delivered by other threads. */
    List<ServerEvent> awaitCount(Predicate<ServerEvent> match, int count, String what) {
      Await.until(Duration.ofSeconds(5), () -> matching(match).size() >= count, () -> profile + " waiting for " + count + " x " + what + "; got " + events());
      return matching(match);
    }

    /** Waits for an event delivered by another thread (fan-out lanes, the scheduler). */
    ServerEvent await(Predicate<ServerEvent> match, String what) {
      Await.until(Duration.ofSeconds(5), () -> !matching(match).isEmpty(), () -> profile + " waiting for " + what + "; got " + events());
      return matching(match).get(0);
    }
  }

  /** A transport that records events and the close, and is ready unless told otherwise. */
  static class RecordingTransport implements SessionTransport {
    private final List<ServerEvent> events = new ArrayList<>(); // guarded by itself
    /** Messages written: a batch is one. */
    final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
    volatile CloseReason closed;
    volatile boolean ready = true;

    @Override
    public String kind() {
      return "test";
    }

    @Override
    public String remoteAddress() {
      return "test";
    }

    @Override
    public boolean isReady() {
      return ready && closed == null;
    }

    @Override
    public void send(OutboundEvent event) {
      writes.incrementAndGet();
      try {
        ServerEvent decoded = ServerEvent.parseFrom(event.binary());
        synchronized (events) {
          if (decoded.hasBatch()) {
            events.addAll(decoded.getBatch().getEventsList());
          } else {
            events.add(decoded);
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the session wrote bytes that are not a ServerEvent", e);
      }
    }

    @Override
    public void close(CloseReason reason) {
      if (closed == null) {
        closed = reason;
      }
    }

    /** Frames the session has asked for, all told. */
    final java.util.concurrent.atomic.AtomicInteger framesRequested = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void requestFrames(int count) {
      framesRequested.addAndGet(count);
    }

    List<ServerEvent> events() {
      synchronized (events) {
        return List.copyOf(events);
      }
    }
  }
}
