package io.chatgateway.bench.loadgen;

import io.chatgateway.device.BearerCredentials;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.HelloFrame;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.SubscribeFrame;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Simulated gRPC devices: each on its own TCP connection (its own channel), the connections dealt
 * in turn to the fleet's few event-loop threads, with callbacks run directly on them. A device says
 * hello, subscribes to its rooms (a device with no rooms, a publisher, counts as subscribed once
 * ready) and then stays idle, reads room events, or publishes, as the scenario asks.
 *
 * <p>With reconnecting on, a device whose stream ends (error, completion or a {@code reconnect} hint)
 * opens a new stream after a backoff with full jitter, as a well-behaved client does, so a restart
 * does not bring every device back at the same instant.
 *
 * <p>Thread-safe. A device's state is touched only on its channel's event loop, except {@link
 * Device#publish}, which any thread may call (gRPC serializes the writes).
 */
public final class DeviceFleet implements AutoCloseable {

  /** What a device does with the room events it reads. */
  public interface RoomEventListener {
    /** Called on the event loop; must not block. */
    void onRoomEvent(Device device, RoomEvent event);
  }

  private static final long BACKOFF_BASE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long BACKOFF_CAP_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final InetSocketAddress target;
  private final EventLoopGroup loop;
  /** The group's threads, handed to devices in turn. */
  private final List<EventLoop> loops = new ArrayList<>();
  private final AtomicInteger nextLoop = new AtomicInteger();
  private final boolean reconnect;
  private final boolean resume;
  private final AtomicInteger subscribed = new AtomicInteger();
  private final AtomicLong streamsOpened = new AtomicLong();
  private final LongAdder presenceEvents = new LongAdder();
  private final LongAdder presenceMessages = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, String> errorSamples = new ConcurrentHashMap<>();
  private final List<Device> devices = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * @param target the gateway's gRPC address
   * @param eventLoopThreads threads for all devices together; 1 or 2 keep the generator light
   * @param reconnect whether devices come back after their stream ends
   */
  public DeviceFleet(InetSocketAddress target, int eventLoopThreads, boolean reconnect) {
    this(target, eventLoopThreads, reconnect, false);
  }

  /**
   * @param resume whether a device that comes back presents its last resume token and its position
   *     in each room ({@code hello.positions}) instead of subscribing afresh, as the README tells
   *     devices to
   */
  public DeviceFleet(InetSocketAddress target, int eventLoopThreads, boolean reconnect, boolean resume) {
    this.target = target;
    this.loop = new NioEventLoopGroup(eventLoopThreads);
    // Each device is given one thread of the group rather than the group: grpc-java takes a
    // channel's loop from the group with next() and draws from it for its own timers as well, so
    // with two threads every channel landed on the same one and one thread read for the fleet.
    loop.forEach(executor -> loops.add((EventLoop) executor));
    this.reconnect = reconnect;
    this.resume = resume;
  }

  /** Devices whose position in each of their rooms reached {@code targets}' sequence for it. */
  public int caughtUp(Map<String, Long> targets) {
    int count = 0;
    for (Device device : devices) {
      if (caughtUp(device.positions, device.rooms, targets)) {
        count++;
      }
    }
    return count;
  }

  /** Whether {@code positions} reached {@code targets}' sequence in every one of {@code rooms}. */
  static boolean caughtUp(Map<String, Long> positions, List<String> rooms, Map<String, Long> targets) {
    for (String room : rooms) {
      Long target = targets.get(room);
      if (target == null || positions.getOrDefault(room, 0L) < target) {
        return false;
      }
    }
    return true;
  }

  /**
   * Opens a device from {@code source}: hello, then subscribe to {@code rooms}. Returns at once;
   * {@link #subscribed()} counts it once the gateway confirmed every room.
   */
  public Device open(InetAddress source, String token, List<String> rooms, RoomEventListener listener) {
    return open(source, token, rooms, listener, 0);
  }

  /**
   * As {@link #open(InetAddress, String, List, RoomEventListener)}, with an HTTP/2 receive window of
   * {@code flowControlWindow} bytes (0 for grpc-java's default): a small window makes a device that
   * stops reading push back on the gateway after a few events instead of after a megabyte.
   */
  public Device open(InetAddress source, String token, List<String> rooms, RoomEventListener listener, int flowControlWindow) {
    EventLoop deviceLoop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
    ManagedChannel channel = channel(target, deviceLoop, source, flowControlWindow);
    Device device = new Device(channel, deviceLoop, token, rooms, listener);
    devices.add(device);
    device.connect();
    return device;
  }

  /**
   * A device's own TCP connection to {@code target} from {@code source}, on {@code loop} (give it
   * one thread, an {@link EventLoop}, to choose where the connection runs), with callbacks run
   * directly on it and no retries of gRPC's own (the device decides).
   */
  static ManagedChannel channel(InetSocketAddress target, EventLoopGroup loop, InetAddress source, int flowControlWindow) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(target);
    if (flowControlWindow > 0) {
      builder.flowControlWindow(flowControlWindow);
    }
    return builder
        .eventLoopGroup(loop)
        .channelType(NioSocketChannel.class)
        .localSocketPicker(
            new NettyChannelBuilder.LocalSocketPicker() {
              @Override
              public InetSocketAddress createSocketAddress(java.net.SocketAddress remote, io.grpc.Attributes attrs) {
                return new InetSocketAddress(source, 0);
              }
            })
        .usePlaintext()
        .directExecutor()
        .disableRetry()
        .build();
  }

  /** Devices whose current stream has every room subscribed. */
  public int subscribed() {
    return subscribed.get();
  }

  /** Streams started, first connections and reconnections together. */
  /** Presence events received by every device, batches unpacked. */
  public long presenceEvents() {
    return presenceEvents.sum();
  }

  /** Messages received that carried presence: a batch with presence in it is one. */
  public long presenceMessages() {
    return presenceMessages.sum();
  }

  public long streamsOpened() {
    return streamsOpened.get();
  }

  /** Failures seen (streams that ended, error frames, refused subscriptions), by status or error code. */
  public Map<String, Long> errors() {
    Map<String, Long> snapshot = new TreeMap<>();
    errors.forEach((code, count) -> snapshot.put(code, count.sum()));
    return snapshot;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** The first description seen of each kind of failure in {@link #errors}, to tell what they were. */
  public Map<String, String> errorSamples() {
    return new TreeMap<>(errorSamples);
  }

  private void countError(String code, String description) {
    errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    if (description != null && !description.isEmpty()) {
      errorSamples.putIfAbsent(code, description.length() > 200 ? description.substring(0, 200) : description);
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Device device : devices) {
      device.channel.shutdownNow();
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /** One simulated device. */
  public final class Device {
    private final ManagedChannel channel;
    private final EventLoop loop;
    private final String token;
    private final List<String> rooms;
    private final RoomEventListener listener;
    private volatile ClientCallStreamObserver<ConnectRequest> stream;
    private volatile boolean reading = true;
    private int attempt;
    // Written on the device's event loop, read by caughtUp().
    private final Map<String, Long> positions = new ConcurrentHashMap<>();
    private volatile String resumeToken = "";

    private Device(ManagedChannel channel, EventLoop loop, String token, List<String> rooms, RoomEventListener listener) {
      this.channel = channel;
      this.loop = loop;
      this.token = token;
      this.rooms = rooms;
      this.listener = listener;
    }

    /** Sends one event per {@code events} in a single {@code send} frame. */
    public void publish(List<RoomEvent> events) {
      ClientCallStreamObserver<ConnectRequest> current = stream;
      if (current != null) {
        current.onNext(ConnectRequest.newBuilder().setSend(SendFrame.newBuilder().addAllEvents(events)).build());
      }
    }

    /** Stops reading: no more inbound messages are requested, so flow control pushes back on the gateway. */
    public void stopReading() {
      reading = false;
    }

    private void connect() {
      streamsOpened.incrementAndGet();
      StreamObserver<ConnectRequest> requests =
          // Wait for ready, as a device's long-lived stream does: it starts once the channel connects
          // rather than failing while the gateway is still coming up.
          ChatServiceGrpc.newStub(channel).withWaitForReady().withCallCredentials(BearerCredentials.of(token)).connect(new Observer());
      // Like a real client library, the load generator unpacks batches: a device reading behind
      // its rooms then gets what queued up in one message.
      if (resume && !positions.isEmpty()) {
        // Back from where it was: the rooms return with the hello, and what was missed comes first.
        requests.onNext(
            ConnectRequest.newBuilder().setHello(HelloFrame.newBuilder().addCapabilities("batch").setResumeToken(resumeToken).putAllPositions(positions)).build());
        return;
      }
      requests.onNext(ConnectRequest.newBuilder().setHello(HelloFrame.newBuilder().addCapabilities("batch")).build());
      if (!rooms.isEmpty()) {
        requests.onNext(ConnectRequest.newBuilder().setSubscribe(SubscribeFrame.newBuilder().addAllRoomIds(rooms)).build());
      }
    }

    private void scheduleReconnect(long delayNanos) {
      if (!reconnect || closed) {
        return;
      }
      long backoff = Math.min(BACKOFF_CAP_NANOS, BACKOFF_BASE_NANOS << Math.min(attempt, 10));
      attempt++;
      long delay = delayNanos + ThreadLocalRandom.current().nextLong(backoff);
      loop.schedule(
          () -> {
            // Our jittered backoff decides when to try; without this the channel's own backoff
            // (1 s growing to 2 min) would hold the device back long after the gateway is up.
            channel.resetConnectBackoff();
            connect();
          },
          delay,
          TimeUnit.NANOSECONDS);
    }

    private final class Observer implements ClientResponseObserver<ConnectRequest, ServerEvent> {
      private ClientCallStreamObserver<ConnectRequest> requests;
      private boolean counted;
      private boolean ended;
      private long reconnectDelayNanos;

      @Override
      public void beforeStart(ClientCallStreamObserver<ConnectRequest> requestStream) {
        requests = requestStream;
        requestStream.disableAutoRequestWithInitial(1);
        stream = requestStream;
      }

      @Override
      public void onNext(ServerEvent message) {
        int presence = 0;
        if (message.hasBatch()) {
          for (ServerEvent event : message.getBatch().getEventsList()) {
            presence += event.hasPresence() ? 1 : 0;
            handle(event);
          }
        } else {
          presence += message.hasPresence() ? 1 : 0;
          handle(message);
        }
        if (presence > 0) {
          presenceEvents.add(presence);
          presenceMessages.increment();
        }
        if (reading) {
          requests.request(1);
        }
      }

      private void handle(ServerEvent event) {
        switch (event.getEventCase()) {
          case ROOM_EVENT -> {
            positions.merge(event.getRoomEvent().getRoomId(), event.getRoomEvent().getSequence(), Math::max);
            listener.onRoomEvent(Device.this, event.getRoomEvent());
          }
          case READY -> {
            resumeToken = event.getReady().getResumeToken();
            if (rooms.isEmpty()) {
              countSubscribed();
            }
          }
          case SUBSCRIBED -> {
            boolean all = true;
            for (RoomSubscriptionResult result : event.getSubscribed().getResultsList()) {
              if (!result.getOk()) {
                all = false;
                countError("subscribe:" + result.getError().getCode(), result.getError().getMessage());
              }
            }
            if (all) {
              countSubscribed();
            }
          }
          case ERROR -> countError("error:" + event.getError().getCode(), event.getError().getMessage());
          case RECONNECT -> {
            // The gateway is draining: leave now and come back after its hint.
            reconnectDelayNanos = TimeUnit.SECONDS.toNanos(event.getReconnect().getDelay().getSeconds())
                + event.getReconnect().getDelay().getNanos();
            requests.onCompleted();
          }
          default -> {}
        }
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        countError("status:" + status.getCode(), status.getDescription());
        ended();
      }

      @Override
      public void onCompleted() {
        countError("completed", null);
        ended();
      }

      private void countSubscribed() {
        if (!counted) {
          counted = true;
          attempt = 0;
          subscribed.incrementAndGet();
        }
      }

      private void ended() {
        if (ended) {
          return;
        }
        ended = true;
        if (counted) {
          subscribed.decrementAndGet();
        }
        scheduleReconnect(reconnectDelayNanos);
      }
    }
  }
}
