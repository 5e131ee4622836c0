package io.chatgateway.bench.loadgen;

import io.chatgateway.device.ChatClient;
import io.chatgateway.device.ChatListener;
import io.chatgateway.device.ConnectionState;
import io.chatgateway.device.StateChange;
import io.chatgateway.device.TokenSupplier;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.RoomSubscriptionResult;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Devices that are {@link ChatClient}s of the device client library: what reconnects, resumes,
 * de-duplicates and catches up is the library itself, with its defaults except a backoff of 200 ms
 * doubling to a 5 s cap (as {@link DeviceFleet}'s hand-written devices, so the two compare). Each
 * device has its own TCP connection; all share one event loop, two loop threads and one listener
 * thread, as an application with many clients would configure the library.
 *
 * <p>Thread-safe: counters are atomic; a device's listener state is touched only on its serial
 * listener executor.
 */
public final class LibraryFleet implements AutoCloseable {

  private final InetSocketAddress target;
  private final EventLoopGroup loop = new NioEventLoopGroup(1);
  private final ScheduledExecutorService clientLoops = Executors.newScheduledThreadPool(2);
  private final ExecutorService listeners = Executors.newSingleThreadExecutor();
  private final Queue<Device> devices = new ConcurrentLinkedQueue<>();
  private final AtomicInteger subscribed = new AtomicInteger();
  private final AtomicLong connections = new AtomicLong();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, String> errorSamples = new ConcurrentHashMap<>();

  public LibraryFleet(InetSocketAddress target) {
    this.target = target;
  }

  /** Opens a device from {@code source} that subscribes {@code rooms}; returns at once. */
  public void open(InetAddress source, String token, List<String> rooms) {
    Device device = new Device(DeviceFleet.channel(target, loop, source, 0), rooms);
    devices.add(device);
    device.client =
        ChatClient.builder()
            .channel(device.channel)
            .tokens(TokenSupplier.fixed(token))
            .userAgent("loadgen-library")
            .backoff(Duration.ofMillis(200), Duration.ofSeconds(5))
            .executor(clientLoops)
            .listenerExecutor(listeners)
            .listener(device)
            .build();
    device.client.connect();
    rooms.forEach(device.client::subscribe);
  }

  /** Devices subscribed to all their rooms on their current connection. */
  public int subscribed() {
    return subscribed.get();
  }

  /** Connections that reached {@code ready}, over the run. */
  public long connections() {
    return connections.get();
  }

  /** Devices whose listener was given their rooms' events up to {@code targets}' sequences. */
  public int caughtUp(Map<String, Long> targets) {
    int count = 0;
    for (Device device : devices) {
      if (DeviceFleet.caughtUp(device.positions, device.rooms, targets)) {
        count++;
      }
    }
    return count;
  }

  /** Why devices had to wait for a new connection, by cause, counted. */
  public Map<String, Long> errors() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    errors.forEach((cause, count) -> counts.put(cause, count.sum()));
    return counts;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** The first message seen for each cause. */
  public Map<String, String> errorSamples() {
    return new java.util.TreeMap<>(errorSamples);
  }

  @Override
  public void close() {
    devices.forEach(device -> device.client.close());
    clientLoops.shutdown();
    listeners.shutdown();
    devices.forEach(device -> device.channel.shutdownNow());
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  /** One library client and what its listener saw. */
  private final class Device implements ChatListener {
    final ManagedChannel channel;
    final List<String> rooms;
    final Map<String, Long> positions = new ConcurrentHashMap<>();
    ChatClient client;
    private int live; // rooms confirmed on the current connection; listener executor only

    Device(ManagedChannel channel, List<String> rooms) {
      this.channel = channel;
      this.rooms = rooms;
    }

    @Override
    public void onRoomEvent(RoomEvent event) {
      positions.put(event.getRoomId(), event.getSequence());
    }

    @Override
    public void onSubscribed(RoomSubscriptionResult result) {
      if (++live == rooms.size()) {
        subscribed.incrementAndGet();
      }
    }

    @Override
    public void onStateChanged(StateChange change) {
      if (change.state() == ConnectionState.CONNECTED) {
        connections.incrementAndGet();
        return;
      }
      if (live >= rooms.size()) {
        subscribed.decrementAndGet();
      }
      live = 0;
      if (change.state() == ConnectionState.WAITING || change.state() == ConnectionState.FAILED) {
        String cause = change.state().name().toLowerCase() + ":" + change.cause();
        errors.computeIfAbsent(cause, c -> new LongAdder()).increment();
        errorSamples.putIfAbsent(cause, change.message());
      }
    }
  }
}
