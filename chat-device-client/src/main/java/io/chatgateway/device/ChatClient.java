package io.chatgateway.device;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.AckEvent;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.PresenceFrame;
import io.chatgateway.proto.v1.PresenceStatus;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * A device's connection to chat-gateway: one {@code Connect} stream kept open across network
 * blips, gateway restarts and token expiries, with nothing lost or doubled.
 *
 * <ul>
 *   <li>Reconnects with full-jitter exponential backoff, or after the delay a draining gateway
 *       asks for; stops for good ({@link ConnectionState#FAILED}) when replaced by a newer
 *       connection of the same device or when the gateway refuses every token the {@link
 *       TokenSupplier} has.
 *   <li>Resumes with the last resume token and its own position in every room, so the gateway
 *       sends what was missed first; de-duplicates by sequence; reads what the gateway could not
 *       recover ({@code recovered=false}) with GetHistory, up to {@link Builder#maxRecoveryEvents}.
 *   <li>Keeps every send in an outbox until the gateway acks it, writing it again with the same
 *       {@code client_event_id} after a reconnect: each send is stored once.
 *   <li>Pings at the gateway's heartbeat interval, refreshes the token ahead of its expiry, unpacks
 *       event batches, and reads the stream only as fast as the listener takes events.
 * </ul>
 *
 * <pre>{@code
 * ChatClient client = ChatClient.builder()
 *     .target("chat.example.com:443")
 *     .tokens(() -> auth.freshToken())          // CompletionStage<String>
 *     .listener(new ChatListener() {
 *       public void onRoomEvent(RoomEvent event) { show(event); }
 *     })
 *     .build();
 * client.connect();
 * client.subscribe("general");
 * client.sendText("general", "hello").thenAccept(ack -> markSent(ack.getSequence()));
 * }</pre>
 *
 * <p>Threading: every method may be called from any thread and returns at once; the work runs on
 * the client's own loop thread. Listener callbacks and the completion of returned futures run on
 * the listener executor, one at a time, in order (see {@link ChatListener}).
 */
public final class ChatClient implements AutoCloseable {

  private final ClientCore core;
  private final Scheduler loop;
  private final Channel channel;
  private final ManagedChannel ownedChannel;
  private final ExecutorService ownedListenerThread;
  private final TokenSupplier tokens;

  private ChatClient(Builder builder, Settings settings) {
    // A test's transport needs no channel at all.
    this.ownedChannel = builder.channel == null && builder.target != null ? builder.newChannel() : null;
    this.channel = builder.channel == null ? ownedChannel : builder.channel;
    this.tokens = builder.tokens;
    if (builder.scheduler != null) {
      this.loop = builder.scheduler;
    } else {
      this.loop = builder.executor != null ? LoopScheduler.shared(builder.executor) : LoopScheduler.ownThread("chat-client-loop");
    }
    Executor listenerExecutor;
    if (builder.listenerExecutor != null) {
      this.ownedListenerThread = null;
      listenerExecutor = new SerialExecutor(builder.listenerExecutor);
    } else {
      this.ownedListenerThread =
          Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "chat-client-listener");
            thread.setDaemon(true);
            return thread;
          });
      listenerExecutor = new SerialExecutor(ownedListenerThread);
    }
    StreamTransport transport = builder.transport != null ? builder.transport : new GrpcTransport(channel, builder.historyDeadline);
    ListenerQueue listener = new ListenerQueue(builder.listener, listenerExecutor, loop, settings.maxBufferedMessages());
    this.core = new ClientCore(settings, loop, transport, tokens, listener, builder.random);
  }

  /** A builder; {@link Builder#target} (or {@link Builder#channel}) and {@link Builder#tokens} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts connecting; the client then stays connected until {@link #close()}. Idempotent. */
  public void connect() {
    loop.execute(core::connect);
  }

  /** The current state; changes also reach {@link ChatListener#onStateChanged}. */
  public ConnectionState state() {
    return core.state();
  }

  /**
   * The position (sequence of the newest event handed to the listener) of every subscribed room
   * that has one. Store them with the events to resume from them after a restart of the
   * application ({@link Builder#positions}).
   */
  public Map<String, Long> positions() {
    return core.positions();
  }

  /**
   * Subscribes to a room, now and after every reconnect, starting at its newest event. The future
   * completes with the gateway's first answer; it fails with {@link ChatClientException.Kind#REJECTED}
   * if the gateway refuses (not a member, unknown room), and the room is then dropped.
   */
  public CompletableFuture<RoomSubscriptionResult> subscribe(String roomId) {
    requireRoom(roomId);
    CompletableFuture<RoomSubscriptionResult> result = new CompletableFuture<>();
    loop.execute(() -> core.subscribe(roomId, result));
    return result;
  }

  /** Stops receiving a room's events (membership is unchanged). */
  public void unsubscribe(String roomId) {
    requireRoom(roomId);
    loop.execute(() -> core.unsubscribe(roomId));
  }

  /**
   * Sends an event to its room ({@code event.room_id}). A missing {@code client_event_id} is set
   * to a random UUID. The event stays in the outbox, and is written again after every reconnect,
   * until the gateway acks it: the future completes with the ack, or fails with {@link
   * ChatClientException} ({@code OUTBOX_FULL}, {@code REJECTED}, {@code CLOSED}, {@code FAILED}).
   * Sending the same room and {@code client_event_id} again while the first is unacked returns
   * the same outcome.
   */
  public CompletableFuture<AckEvent> send(RoomEvent event) {
    requireNonNull(event, "event");
    requireRoom(event.getRoomId());
    RoomEvent ready = event.getClientEventId().isEmpty() ? event.toBuilder().setClientEventId(UUID.randomUUID().toString()).build() : event;
    CompletableFuture<AckEvent> result = new CompletableFuture<>();
    loop.execute(() -> core.send(ready, result));
    return result;
  }

  /** Sends a text message; see {@link #send(RoomEvent)}. */
  public CompletableFuture<AckEvent> sendText(String roomId, String text) {
    requireNonNull(text, "text");
    return send(RoomEvent.newBuilder().setRoomId(roomId).setType(EventType.EVENT_TYPE_MESSAGE).setText(TextPayload.newBuilder().setText(text)).build());
  }

  /** Tells a subscribed room the user started or stopped typing; dropped while disconnected. */
  public void typing(String roomId, boolean started) {
    requireRoom(roomId);
    loop.execute(() -> core.typing(roomId, started));
  }

  /** Marks a room read up to a sequence; kept (newest per room) while disconnected and sent after reconnecting. */
  public void markRead(String roomId, long upToSequence) {
    requireRoom(roomId);
    loop.execute(() -> core.readMarker(roomId, upToSequence));
  }

  /** Confirms delivery of a room's events up to a sequence; kept like {@link #markRead}. */
  public void markDelivered(String roomId, long upToSequence) {
    requireRoom(roomId);
    loop.execute(() -> core.receipt(roomId, upToSequence));
  }

  /** Sets the user's presence (ONLINE, AWAY, BUSY) on this device; sent again after every reconnect. */
  public void setPresence(PresenceStatus status, String statusText) {
    requireNonNull(status, "status");
    PresenceFrame frame = PresenceFrame.newBuilder().setStatus(status).setStatusText(statusText == null ? "" : statusText).build();
    loop.execute(() -> core.presence(frame));
  }

  /**
   * A stub for the unary RPCs (rooms, members, history, SendEvent) on the client's channel,
   * authenticated with a token from the client's supplier on every call.
   */
  public ChatServiceGrpc.ChatServiceFutureStub unaryCalls() {
    return ChatServiceGrpc.newFutureStub(channel).withCallCredentials(new SuppliedCredentials(tokens));
  }

  /**
   * Ends the stream and stops reconnecting; unacked sends fail with {@code CLOSED}. The listener
   * still gets the {@code CLOSED} state change; the client's threads and (if it made it) channel
   * stop after that.
   */
  @Override
  public void close() {
    loop.execute(() -> {
      core.close();
      loop.shutdown();
      if (ownedListenerThread != null) {
        ownedListenerThread.shutdown(); // runs what is queued (the CLOSED state change), then stops
      }
      if (ownedChannel != null) {
        ownedChannel.shutdown();
      }
    });
  }

  private static void requireRoom(String roomId) {
    requireNonNull(roomId, "roomId");
    if (roomId.isEmpty()) {
      throw new IllegalArgumentException("roomId is empty");
    }
  }

  /**
   * Configures a {@link ChatClient}. Defaults suit a phone on a mobile network: backoff 0.5 s to
   * 30 s, an outbox of 1,000 sends, 256 buffered messages, gap fills up to 10,000 events.
   *
   * <p>Not thread-safe; {@link #build()} validates and may be called once per client.
   */
  public static final class Builder {
    private String target;
    private boolean plaintext;
    private Channel channel;
    private TokenSupplier tokens;
    private ChatListener listener = new ChatListener() {};
    private Executor listenerExecutor;
    private ScheduledExecutorService executor;
    private String userAgent = "chat-device-client-java";
    private Duration backoffBase = Duration.ofMillis(500);
    private Duration backoffCap = Duration.ofSeconds(30);
    private int maxOutbox = 1000;
    private int maxBufferedMessages = 256;
    private int maxRecoveryEvents = 10_000;
    private Duration helloTimeout = Duration.ofSeconds(60);
    private Duration tokenRefreshLead = Duration.ofSeconds(60);
    private Duration retryDelay = Duration.ofSeconds(1);
    private Duration historyDeadline = Duration.ofSeconds(10);
    private final Map<String, Long> positions = new LinkedHashMap<>();
    private Scheduler scheduler;
    private StreamTransport transport;
    private RandomGenerator random = RandomGenerator.getDefault();

    private Builder() {}

    /** The gateway's gRPC address ({@code host:port} or any gRPC target URI); TLS unless {@link #plaintext()}. */
    public Builder target(String target) {
      this.target = requireNonNull(target, "target");
      return this;
    }

    /** Speaks plaintext to {@link #target}: development and tests only. */
    public Builder plaintext() {
      this.plaintext = true;
      return this;
    }

    /** A channel the application made and owns (its own TLS, proxy, or transport); the client does not shut it down. */
    public Builder channel(Channel channel) {
      this.channel = requireNonNull(channel, "channel");
      return this;
    }

    /** Where access tokens come from (required). */
    public Builder tokens(TokenSupplier tokens) {
      this.tokens = requireNonNull(tokens, "tokens");
      return this;
    }

    /** Where events go; by default nowhere. */
    public Builder listener(ChatListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Runs listener callbacks and future completions, one at a time in order, even on a pool (a
     * UI thread's executor, for instance). By default a thread of the client's own.
     */
    public Builder listenerExecutor(Executor executor) {
      this.listenerExecutor = requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Runs the client's own work (its loop: frames, timers, ordering) on the application's pool,
     * serialized per client, instead of a thread of the client's own: for processes with many
     * clients. The client never shuts the pool down.
     */
    public Builder executor(ScheduledExecutorService executor) {
      this.executor = requireNonNull(executor, "executor");
      return this;
    }

    /** Sent as {@code hello.user_agent}, for the gateway's logs (such as "ios/4.2.0"). */
    public Builder userAgent(String userAgent) {
      this.userAgent = requireNonNull(userAgent, "userAgent");
      return this;
    }

    /** Reconnect backoff: attempt n waits a random time below {@code min(cap, base * 2^n)}. */
    public Builder backoff(Duration base, Duration cap) {
      this.backoffBase = requireNonNull(base, "base");
      this.backoffCap = requireNonNull(cap, "cap");
      return this;
    }

    /** Unacked sends kept at most (default 1,000); beyond, {@link #send} fails with {@code OUTBOX_FULL}. */
    public Builder maxOutbox(int maxOutbox) {
      this.maxOutbox = maxOutbox;
      return this;
    }

    /** Stream messages waiting for the listener at most (default 256); the stream pauses beyond. */
    public Builder maxBufferedMessages(int maxBufferedMessages) {
      this.maxBufferedMessages = maxBufferedMessages;
      return this;
    }

    /** Missed events a gap fill reads at most per room (default 10,000); older ones are reported by {@link ChatListener#onGap}. */
    public Builder maxRecoveryEvents(int maxRecoveryEvents) {
      this.maxRecoveryEvents = maxRecoveryEvents;
      return this;
    }

    /**
     * How long to wait for {@code ready} before trying again (default 60 s). Generous on purpose: a
     * dead connection is found by the channel's keepalive; a gateway that is merely slow (thousands
     * of devices resuming at once) only gets slower if clients give up on it and come back.
     */
    public Builder helloTimeout(Duration helloTimeout) {
      this.helloTimeout = requireNonNull(helloTimeout, "helloTimeout");
      return this;
    }

    /** How long before the token expires to refresh it (default 60 s; at most half its remaining life). */
    public Builder tokenRefreshLead(Duration lead) {
      this.tokenRefreshLead = requireNonNull(lead, "lead");
      return this;
    }

    /**
     * Rooms to subscribe from the first connection, each with the sequence of the newest event the
     * application already has (stored from {@link ChatClient#positions()}): the gateway sends what
     * came after, so a restarted application misses nothing either.
     */
    public Builder positions(Map<String, Long> positions) {
      positions.forEach((room, position) -> {
        requireRoom(room);
        if (position < 0) {
          throw new IllegalArgumentException("position of " + room + " is negative: " + position);
        }
      });
      this.positions.putAll(positions);
      return this;
    }

    Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    Builder transport(StreamTransport transport) {
      this.transport = transport;
      return this;
    }

    Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    Builder retryDelay(Duration retryDelay) {
      this.retryDelay = retryDelay;
      return this;
    }

    /** Validates the settings and makes the client (not yet connected: call {@link ChatClient#connect()}). */
    public ChatClient build() {
      if (tokens == null) {
        throw new IllegalStateException("tokens(..) is required");
      }
      if ((target == null) == (channel == null) && transport == null) {
        throw new IllegalStateException("exactly one of target(..) and channel(..) is required");
      }
      positive("maxOutbox", maxOutbox);
      positive("maxBufferedMessages", maxBufferedMessages);
      positive("maxRecoveryEvents", maxRecoveryEvents);
      if (backoffBase.isNegative() || backoffBase.isZero() || backoffCap.compareTo(backoffBase) < 0) {
        throw new IllegalArgumentException("backoff needs 0 < base <= cap, got " + backoffBase + " and " + backoffCap);
      }
      if (helloTimeout.isNegative() || helloTimeout.isZero()) {
        throw new IllegalArgumentException("helloTimeout must be positive: " + helloTimeout);
      }
      Settings settings =
          new Settings(
              userAgent,
              List.of("batch", "typing", "receipts", "presence"),
              backoffBase,
              backoffCap,
              maxOutbox,
              maxBufferedMessages,
              maxRecoveryEvents,
              Math.max(maxBufferedMessages * 4, 1024),
              helloTimeout,
              tokenRefreshLead,
              retryDelay,
              Duration.ofSeconds(25),
              Map.copyOf(positions));
      return new ChatClient(this, settings);
    }

    private ManagedChannel newChannel() {
      ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target);
      if (plaintext) {
        builder.usePlaintext();
      }
      // Dead connections are found by the client's own heartbeat; keepalive finds them between pings too.
      return builder.keepAliveTime(30, TimeUnit.SECONDS).build();
    }

    private static void positive(String name, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
    }
  }
}
