package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.SessionDirectory;
import io.chatgateway.gateway.backplane.ResumeRecords;
import io.chatgateway.gateway.backplane.SessionSnapshot;
import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.backplane.Engine;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What every {@link DeviceSession} of this gateway shares: configuration, the core, the engine, local
 * fan-out, the session registry, presence and resume state. Also runs the sweeper, which enforces the
 * clocks (idle timeout, token expiry, typing and presence expiry), and the drain at shutdown.
 * Thread-safe; built once by the gateway.
 */
public final class SessionServices implements AutoCloseable {

  /** How often the sweeper looks at every session. */
  static final Duration SWEEP_INTERVAL = Duration.ofMillis(250);
  /** How often live sessions record their positions for a resume (a crash loses at most this much). */
  static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);

  private final String gatewayId;
  private final SessionConfig config;
  private final CoreCalls.Factory core;
  private final Engine engine;
  private final JwtVerifier verifier;
  private final SessionDirectory directory;
  private final SessionMetrics metrics;
  private final Executor pool;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final LongSupplier ticker;
  private final ServerEvents events;
  private final RecentEvents recentEvents;
  private final RoomFanout fanout;
  private final SessionRegistry registry;
  private final PresenceTracker presence;
  private final ResumeRecords resumes;
  private final SecureRandom random = new SecureRandom();
  private long nextCheckpointNanos;
  private final PresenceCoalescer presenceCoalescer; // null: PRESENCE_COALESCE_MS=0
  private volatile ScheduledFuture<?> sweeper;
  private volatile ScheduledFuture<?> presenceFlusher;

  /**
   * @param core opens each session's calls to the core
   * @param pool where session executors run their tasks
   * @param scheduler runs the sweeper and delayed session tasks
   * @param clock the wall clock: timestamps, token expiry
   * @param ticker monotonic nanoseconds for every session clock (idle, hello window, typing, rate
   *     limit, presence expiry); {@code System::nanoTime} in production, a fake in tests
   */
  public SessionServices(
      String gatewayId,
      SessionConfig config,
      CoreCalls.Factory core,
      Engine engine,
      JwtVerifier verifier,
      SessionDirectory directory,
      ResumeRecords resumes,
      SessionMetrics metrics,
      Executor pool,
      ScheduledExecutorService scheduler,
      Clock clock,
      LongSupplier ticker) {
    this.gatewayId = requireNonNull(gatewayId, "gatewayId");
    this.config = requireNonNull(config, "config");
    this.core = requireNonNull(core, "core");
    this.engine = requireNonNull(engine, "engine");
    this.verifier = requireNonNull(verifier, "verifier");
    this.pool = requireNonNull(pool, "pool");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.clock = requireNonNull(clock, "clock");
    this.ticker = requireNonNull(ticker, "ticker");
    this.directory = requireNonNull(directory, "directory");
    this.metrics = requireNonNull(metrics, "metrics");
    this.events = new ServerEvents(gatewayId, clock);
    this.recentEvents = new RecentEvents(config.recentEventsPerRoom(), config.recentEventsMaxBytes());
    long coalesceNanos = config.presenceCoalesce().toNanos();
    this.presenceCoalescer = coalesceNanos == 0 ? null : new PresenceCoalescer(coalesceNanos, config.maxQueuedMessages());
    this.fanout =
        new RoomFanout(engine, directory, metrics, events, recentEvents, Math.max(2, Runtime.getRuntime().availableProcessors()), presenceCoalescer, ticker);
    this.registry = new SessionRegistry(config.maxConnectionsPerDevice());
    this.presence = new PresenceTracker(engine, directory, clock, gatewayId, config.presenceTtl());
    this.resumes = requireNonNull(resumes, "resumes");
  }

  /** Connects the engine to local fan-out and starts the sweeper. Call once. */
  public void start() {
    engine.onControl(
        control -> {
          if (control.hasKick()) {
            registry.kick(control.getKick().getProfileId(), control.getKick().getDeviceId());
          }
        });
    engine.start(fanout);
    sweeper =
        scheduler.scheduleWithFixedDelay(
            this::sweep, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    if (presenceCoalescer != null) {
      // A quarter of the window: a change waits between one window and a quarter more.
      long period = Math.max(1, config.presenceCoalesce().toNanos() / 4);
      presenceFlusher = scheduler.scheduleWithFixedDelay(this::flushPresence, period, period, TimeUnit.NANOSECONDS);
    }
  }

  /** Hands each session the presence changes held for it for a coalescing window or longer. */
  void flushPresence() {
    if (presenceCoalescer != null) {
      presenceCoalescer.flushDue(nanoTime());
    }
  }

  /**
   * Enforces every session's clocks and presence expiry now, and every {@link #CHECKPOINT_INTERVAL}
   * has live sessions record their positions where records outlive this gateway; the sweeper calls
   * it every 250 ms.
   */
  void sweep() {
    long now = nanoTime();
    boolean checkpoint = resumes.outliveGateway() && now - nextCheckpointNanos >= 0;
    if (checkpoint) {
      nextCheckpointNanos = now + CHECKPOINT_INTERVAL.toNanos();
    }
    for (DeviceSession session : registry.all()) {
      session.tick(now);
      if (checkpoint) {
        session.checkpoint();
      }
    }
    presence.sweep(now);
  }

  /**
   * Tells every open session to reconnect, each after its own random delay within {@code window},
   * and closes each stream when its delay is up. Devices therefore come back spread over the window
   * instead of all at once.
   */
  public void drain(Duration window) {
    long windowMillis = Math.max(1, window.toMillis());
    for (DeviceSession session : registry.all()) {
      session.reconnectAfter(Duration.ofMillis(ThreadLocalRandom.current().nextLong(windowMillis)));
    }
  }

  /** Open sessions that completed their handshake. */
  public int openSessions() {
    return registry.size();
  }

  /** Open sessions. */
  public java.util.Collection<DeviceSession> sessions() {
    return registry.all();
  }

  /** Snapshots of the sessions that finished their handshake and are still open (the directory's heartbeat). */
  public java.util.List<SessionSnapshot> liveSnapshots() {
    java.util.List<SessionSnapshot> live = new java.util.ArrayList<>();
    for (DeviceSession session : registry.all()) {
      if (session.identified() && session.open()) {
        live.add(session.snapshot());
      }
    }
    return live;
  }

  /** Whether the session with this id is open and past its handshake, now. */
  public boolean isLive(String sessionId) {
    DeviceSession session = registry.byId(sessionId);
    return session != null && session.identified() && session.open();
  }

  public RoomFanout fanout() {
    return fanout;
  }

  public PresenceTracker presence() {
    return presence;
  }

  @Override
  public void close() {
    for (ScheduledFuture<?> running : new ScheduledFuture<?>[] {sweeper, presenceFlusher}) {
      if (running != null) {
        running.cancel(false);
      }
    }
    fanout.close();
  }

  // ---- for DeviceSession

  String gatewayId() {
    return gatewayId;
  }

  SessionConfig config() {
    return config;
  }

  CoreCalls.Factory core() {
    return core;
  }

  Engine engine() {
    return engine;
  }

  JwtVerifier verifier() {
    return verifier;
  }

  Executor pool() {
    return pool;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  Clock clock() {
    return clock;
  }

  ServerEvents events() {
    return events;
  }

  SessionRegistry registry() {
    return registry;
  }

  SessionDirectory directory() {
    return directory;
  }

  SessionMetrics metrics() {
    return metrics;
  }

  /** Room subscriptions of all local sessions (for the subscriptions gauge). */
  public long subscriptions() {
    long total = 0;
    for (DeviceSession session : registry.all()) {
      total += session.subscriptions().count();
    }
    return total;
  }

  RecentEvents recentEvents() {
    return recentEvents;
  }

  ResumeRecords resumes() {
    return resumes;
  }

  /** A new unguessable token (resume tokens, session ids). */
  String newToken() {
    byte[] bytes = new byte[18];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  long nanoTime() {
    return ticker.getAsLong();
  }
}
