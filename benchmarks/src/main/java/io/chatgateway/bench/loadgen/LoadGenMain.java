package io.chatgateway.bench.loadgen;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * A load-generator process: {@code --transport grpc|ws|ws-browser|library --host H --port P --source 127.0.0.x --first F
 * --count C --room-size S [--reconnect true] [--resume true]}. Opens devices {@code F .. F+C-1} (see {@link
 * DeviceTokens}), at most {@link #CONNECTING} still connecting at a time, and keeps them open.
 * {@code library}: the devices are clients of the device client library ({@link LibraryFleet}),
 * which always reconnect and resume.
 *
 * <p>Talks to the harness by lines: prints {@code progress subscribed=N opened=N errors=N caughtup=N
 * presence=N presencemessages=N} (presence events received, and the messages that carried them; gRPC
 * devices only)
 * four times a second and {@code errors {...}} when sent {@code errors}; takes {@code target ROOM
 * SEQUENCE} (a device is caught up once it holds that room's events up to the sequence); exits when
 * sent {@code stop} or when its input closes, so it never outlives the harness.
 */
public final class LoadGenMain {

  /** Handshakes in flight at once: enough to be fast, few enough not to overflow the accept backlog. */
  static final int CONNECTING = 256;

  private LoadGenMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    DeviceTransport transport = DeviceTransport.of(options.getOrDefault("transport", DeviceTransport.GRPC.flag()));
    String host = options.getOrDefault("host", "127.0.0.1");
    int port = Integer.parseInt(options.get("port"));
    int first = Integer.parseInt(options.getOrDefault("first", "0"));
    int count = Integer.parseInt(options.get("count"));
    int roomSize = Integer.parseInt(options.getOrDefault("room-size", "1000"));
    boolean reconnect = Boolean.parseBoolean(options.getOrDefault("reconnect", "false"));
    boolean resume = Boolean.parseBoolean(options.getOrDefault("resume", "false"));
    Map<String, Long> targets = new java.util.concurrent.ConcurrentHashMap<>();
    IntSupplier caughtUp = () -> 0;
    InetAddress source = InetAddress.getByName(options.getOrDefault("source", "127.0.0.1"));

    AutoCloseable fleet;
    IntSupplier subscribed;
    LongSupplier errors;
    LongSupplier opened;
    LongSupplier presenceEvents = () -> 0;
    LongSupplier presenceMessages = () -> 0;
    Runnable errorReport;
    // Written by the opener thread, read by the reporter.
    AtomicInteger started = new AtomicInteger();
    Runnable openNext;
    if (transport.webSocket()) {
      WebSocketFleet sockets = new WebSocketFleet(URI.create("ws://" + host + ":" + port + "/ws"), source);
      fleet = sockets;
      subscribed = sockets::subscribed;
      errors = sockets::errorCount;
      opened = started::get;
      errorReport = () -> {
        System.out.println("error-samples {ws=" + sockets.firstError() + "}");
        System.out.println("errors {ws=" + sockets.errorCount() + "}");
      };
      openNext = () -> {
        int device = first + started.getAndIncrement();
        String token = DeviceTokens.token(DeviceTokens.profile(device));
        List<String> rooms = List.of(DeviceTokens.room(device, roomSize));
        if (transport == DeviceTransport.WEBSOCKET) {
          sockets.open(token, rooms);
        } else {
          sockets.openAsBrowser(token, rooms);
        }
      };
    } else if (transport == DeviceTransport.LIBRARY) {
      LibraryFleet devices = new LibraryFleet(new InetSocketAddress(host, port));
      fleet = devices;
      caughtUp = () -> devices.caughtUp(targets);
      subscribed = devices::subscribed;
      errors = devices::errorCount;
      opened = devices::connections;
      errorReport = () -> {
        System.out.println("error-samples " + devices.errorSamples());
        System.out.println("errors " + devices.errors());
      };
      openNext = () -> {
        int device = first + started.getAndIncrement();
        devices.open(source, DeviceTokens.token(DeviceTokens.profile(device)), List.of(DeviceTokens.room(device, roomSize)));
      };
    } else {
      DeviceFleet devices = new DeviceFleet(new InetSocketAddress(host, port), 1, reconnect, resume);
      fleet = devices;
      caughtUp = () -> devices.caughtUp(targets);
      subscribed = devices::subscribed;
      errors = devices::errorCount;
      opened = devices::streamsOpened;
      presenceEvents = devices::presenceEvents;
      presenceMessages = devices::presenceMessages;
      errorReport = () -> {
        System.out.println("error-samples " + devices.errorSamples());
        System.out.println("errors " + devices.errors());
      };
      openNext = () -> {
        int device = first + started.getAndIncrement();
        devices.open(source, DeviceTokens.token(DeviceTokens.profile(device)), List.of(DeviceTokens.room(device, roomSize)), (d, e) -> {});
      };
    }
    ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor();
    IntSupplier caughtUpCount = caughtUp;
    LongSupplier presence = presenceEvents;
    LongSupplier presenceWrites = presenceMessages;
    reporter.scheduleAtFixedRate(
        () -> System.out.printf("progress subscribed=%d opened=%d errors=%d caughtup=%d presence=%d presencemessages=%d%n",
            subscribed.getAsInt(), opened.getAsLong(), errors.getAsLong(), caughtUpCount.getAsInt(), presence.getAsLong(), presenceWrites.getAsLong()),
        0, 250, TimeUnit.MILLISECONDS);
    Thread opener =
        new Thread(() -> {
          try {
            while (started.get() < count) {
              if (started.get() - subscribed.getAsInt() - errors.getAsLong() < CONNECTING) {
                openNext.run();
              } else {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
              }
            }
          } catch (RuntimeException e) {
            // A load generator that cannot open its devices must not look like a slow gateway.
            e.printStackTrace();
            System.exit(1);
          }
        }, "opener");
    opener.setDaemon(true);
    opener.start();
    try (BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = input.readLine()) != null && !line.equals("stop")) {
        if (line.equals("errors")) {
          errorReport.run();
        } else if (line.startsWith("target ")) {
          String[] parts = line.split(" ");
          targets.put(parts[1], Long.parseLong(parts[2]));
        }
      }
    }
    reporter.shutdownNow();
    fleet.close();
    System.exit(0);
  }
}
