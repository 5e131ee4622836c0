package io.chatgateway.gateway.engine;

import io.chatgateway.gateway.backplane.Engine;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.bus.BusEnvelopes;
import io.chatgateway.bus.RedisChannels;
import io.chatgateway.logging.ThrottledLog;
import io.chatgateway.bus.RedisConnector;
import io.chatgateway.bus.RedisEventPublisher;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.GatewayControl;
import io.lettuce.core.RedisConnectionStateListener;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The multi-gateway engine: room envelopes travel over Redis pub/sub (sharded pub/sub on Redis
 * Cluster).
 *
 * <p>Subscriptions follow local interest. While a room has a local subscriber its channel is
 * subscribed; when the last one leaves it is unsubscribed. The same for a profile's channel while
 * the profile has a session here. Changes are reconciled in batches on this
 * engine's own thread (one SUBSCRIBE for many rooms, not one round trip per session), and each room
 * reports through {@link #whenDelivering} when Redis has confirmed it.
 *
 * <p>Health is proven end to end. Every {@link #PING_INTERVAL} the gateway publishes a ping to its
 * own control channel, and it is healthy only while those pings come back ({@link #healthy}). A
 * dropped connection is re-established by Lettuce with backoff, which also re-subscribes every
 * channel; the reconciler then checks the subscription set again.
 */
public final class RedisEngine implements Engine {

  private static final Logger log = Logger.getLogger(RedisEngine.class.getName());
  /** Foreign messages on our channels: whoever can publish to Redis could otherwise flood the log. */
  private final ThrottledLog dropped = new ThrottledLog(log, Level.WARNING, Duration.ofSeconds(10));
  static final Duration PING_INTERVAL = Duration.ofMillis(500);
  /** Unhealthy when no ping came back for this long. */
  static final Duration PING_DEADLINE = Duration.ofSeconds(2);

  private final RedisConnector redis;
  private final RedisEventPublisher publisher;
  private final String gatewayId;
  private final String controlChannel;
  private final ScheduledExecutorService thread;
  // Channels (of rooms, of profiles) with local interest, and channels Redis confirmed; reconciled on `thread`.
  private final Set<String> desired = ConcurrentHashMap.newKeySet();
  private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
  // Channels with an UNSUBSCRIBE in flight: not to be reported as delivering until re-subscribed.
  private final Set<String> unsubscribing = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, CompletableFuture<Void>> delivering = new ConcurrentHashMap<>();
  private final AtomicBoolean reconcileScheduled = new AtomicBoolean();
  private volatile Consumer<BusEnvelope> sink = envelope -> {};
  private volatile Consumer<GatewayControl> control = message -> {};
  private volatile long lastPingNanos = Long.MIN_VALUE / 2;
  private volatile long pingLagMillis = -1;
  private volatile boolean closed;
  private RedisSubscriber subscriber;

  public RedisEngine(RedisConnector redis, String gatewayId) {
    this.redis = requireNonNull(redis, "redis");
    this.publisher = new RedisEventPublisher(redis);
    this.gatewayId = requireNonNull(gatewayId, "gatewayId");
    this.controlChannel = RedisChannels.control(gatewayId);
    this.thread =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread t = new Thread(runnable, "redis-engine");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public void onControl(Consumer<GatewayControl> handler) {
    this.control = requireNonNull(handler, "handler");
  }

  @Override
  public void start(Consumer<BusEnvelope> sink) {
    this.sink = requireNonNull(sink, "sink");
    RedisSubscriber.Listener listener =
        new RedisSubscriber.Listener() {
          @Override
          public void message(String channel, byte[] message) {
            onMessage(channel, message);
          }

          @Override
          public void subscribed(String channel) {
            onSubscribed(channel);
          }

          @Override
          public void unsubscribed(String channel) {
            onUnsubscribed(channel);
          }
        };
    subscriber = redis.cluster() ? RedisSubscriber.cluster(redis, listener) : RedisSubscriber.standalone(redis, listener);
    redis.addConnectionListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress address) {
            log.info(() -> "Redis connected: " + address);
            scheduleReconcile();
          }

          @Override
          public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> connection) {
            log.warning("Redis connection lost; reconnecting with backoff");
          }
        });
    try {
      subscriber.subscribe(List.of(controlChannel)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot subscribe to " + controlChannel + ": " + e.getMessage(), e);
    }
    long every = PING_INTERVAL.toMillis();
    thread.scheduleWithFixedDelay(this::ping, 0, every, TimeUnit.MILLISECONDS);
    thread.scheduleWithFixedDelay(this::reconcile, 1_000, 1_000, TimeUnit.MILLISECONDS);
  }

  @Override
  public void publish(BusEnvelope envelope) {
    publisher.publish(envelope);
  }

  /** Publishes a control message to another gateway. */
  public void sendControl(String toGatewayId, GatewayControl message) {
    publisher.publish(RedisChannels.control(toGatewayId), message.toByteArray());
  }

  @Override
  public void roomActive(String roomId) {
    String channel = RedisChannels.room(roomId);
    desired.add(channel);
    delivering.computeIfAbsent(
        roomId,
        r -> confirmed.contains(channel) && !unsubscribing.contains(channel) ? CompletableFuture.completedFuture(null) : new CompletableFuture<>());
    scheduleReconcile();
  }

  @Override
  public void roomInactive(String roomId) {
    desired.remove(RedisChannels.room(roomId));
    delivering.remove(roomId);
    scheduleReconcile();
  }

  @Override
  public void profileActive(String profileId) {
    desired.add(RedisChannels.user(profileId));
    scheduleReconcile();
  }

  @Override
  public void profileInactive(String profileId) {
    desired.remove(RedisChannels.user(profileId));
    scheduleReconcile();
  }

  @Override
  public CompletionStage<Void> whenDelivering(String roomId) {
    CompletableFuture<Void> future = delivering.get(roomId);
    return future == null ? CompletableFuture.completedFuture(null) : future;
  }

  @Override
  public boolean healthy() {
    return !closed && System.nanoTime() - lastPingNanos < PING_DEADLINE.toNanos();
  }

  /** Milliseconds the last self-ping took through Redis; -1 before the first. */
  public long pingLagMillis() {
    return pingLagMillis;
  }

  @Override
  public double lagSeconds() {
    long lag = pingLagMillis;
    return lag >= 0 ? lag / 1e3 : -1;
  }

  /** Channels Redis confirmed (for tests and metrics). */
  public int subscribedRooms() {
    return (int) confirmed.stream().filter(c -> RedisChannels.roomOf(c) != null).count();
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    if (subscriber != null) {
      subscriber.close();
    }
  }

  // ------------------------------------------------------------------ reconciliation (engine thread)

  private void scheduleReconcile() {
    if (!closed && reconcileScheduled.compareAndSet(false, true)) {
      // A short delay lets a burst of joins and leaves share one SUBSCRIBE.
      thread.schedule(
          () -> {
            reconcileScheduled.set(false);
            reconcile();
          },
          2,
          TimeUnit.MILLISECONDS);
    }
  }

  private void reconcile() {
    if (closed) {
      return;
    }
    List<String> add = new ArrayList<>();
    for (String channel : desired) {
      if (!confirmed.contains(channel)) {
        add.add(channel);
      }
    }
    List<String> remove = new ArrayList<>();
    for (String channel : confirmed) {
      boolean followed = RedisChannels.roomOf(channel) != null || RedisChannels.userOf(channel) != null; // not the control channel
      if (followed && !desired.contains(channel)) {
        remove.add(channel);
      }
    }
    if (!add.isEmpty()) {
      subscriber.subscribe(add).whenComplete((ok, error) -> {
        if (error != null) {
          log.fine(() -> "subscribe of " + add.size() + " rooms failed, will retry: " + error.getMessage());
        }
      });
    }
    if (!remove.isEmpty()) {
      unsubscribing.addAll(remove);
      subscriber.unsubscribe(remove).whenComplete((ok, error) -> {
        if (error != null) {
          unsubscribing.removeAll(remove); // still subscribed; the next pass tries again
        }
      });
    }
  }

  private void ping() {
    try {
      sendControl(gatewayId, GatewayControl.newBuilder().setPing(Timestamps.fromMillis(System.currentTimeMillis())).build());
    } catch (RuntimeException e) {
      log.fine(() -> "ping not sent: " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ inbound (Lettuce threads)

  private void onMessage(String channel, byte[] message) {
    if (channel.equals(controlChannel)) {
      onControlMessage(message);
      return;
    }
    String roomId = RedisChannels.roomOf(channel);
    String profile = roomId == null ? RedisChannels.userOf(channel) : null;
    if (roomId == null && profile == null) {
      return;
    }
    BusEnvelope envelope;
    try {
      envelope = roomId != null ? BusEnvelopes.decode(roomId, message) : BusEnvelopes.decodeForProfile(profile, message);
    } catch (IllegalArgumentException e) {
      dropped.log(() -> "dropping a message on " + channel + ": " + e.getMessage());
      return;
    }
    sink.accept(envelope);
  }

  private void onControlMessage(byte[] message) {
    GatewayControl parsed;
    try {
      parsed = GatewayControl.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      dropped.log(() -> "dropping a control message that is not a GatewayControl");
      return;
    }
    if (parsed.hasPing()) {
      lastPingNanos = System.nanoTime();
      pingLagMillis = Math.max(0, System.currentTimeMillis() - Timestamps.toMillis(parsed.getPing()));
    } else {
      try {
        control.accept(parsed);
      } catch (RuntimeException e) {
        log.log(Level.WARNING, "control message failed", e);
      }
    }
  }

  private void onSubscribed(String channel) {
    confirmed.add(channel);
    String roomId = RedisChannels.roomOf(channel);
    if (roomId != null) {
      CompletableFuture<Void> future = delivering.get(roomId);
      if (future != null) {
        future.complete(null);
      }
    }
  }

  private void onUnsubscribed(String channel) {
    confirmed.remove(channel);
    unsubscribing.remove(channel);
    if (desired.contains(channel)) {
      // Wanted again while it was being dropped: subscribe anew (a room before reporting delivery).
      String roomId = RedisChannels.roomOf(channel);
      if (roomId != null) {
        delivering.compute(roomId, (r, f) -> f == null || f.isDone() ? new CompletableFuture<>() : f);
      }
      scheduleReconcile();
    }
  }
}
