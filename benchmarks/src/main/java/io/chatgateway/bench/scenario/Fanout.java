package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceFleet;
import io.chatgateway.bench.loadgen.Latencies;
import io.chatgateway.bench.loadgen.NatsFleet;
import io.chatgateway.bench.loadgen.WebSocketFleet;
import io.chatgateway.bench.process.ChildProcess;
import io.chatgateway.bench.process.Executables;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.process.ProcessProbe;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.LineChart;
import io.chatgateway.bench.report.Medians;
import io.chatgateway.bench.report.ScenarioResult;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Fan-out: R rooms x M subscribers and P publishers per room taking turns, each device on its own
 * connection. Several publishers, because the gateway sends one device's events to the core one at a
 * time (so they keep their order): one device's publish rate is bounded by the core's round trip. First
 * at max rate (closed loop, see {@link FanoutTraffic}), then at a fixed rate of half the gateway's
 * max. The same topology, clients and pacing run through {@code nats-server} in the same run, the
 * reference for raw fan-out speed. Last, with both up, max-rate windows of the gateway and of NATS in
 * turn ({@link Options#alternatedPairs}). Reported: deliveries/s, publish-to-deliver latency
 * percentiles and the CPU the server used.
 */
public final class Fanout {

  /**
   * What to run.
   *
   * @param writeDelaysMs besides the gateway as configured by default ({@code WRITE_DELAY_MS=0}), the
   *     same runs with each of these write delays: the throughput/latency curve of the setting
   * @param webSockets besides gRPC subscribers, the same runs with subscribers on the WebSocket
   *     bridge in each of these framings (publishers stay on gRPC)
   * @param jitSettleLimit how long a max-rate run may wait at most for the JITs to settle (zero: not
   *     at all, for smoke tests)
   * @param alternatedPairs after the runs above, this many pairs of max-rate windows with the gateway
   *     and nats-server both up, measured in turn (gateway, NATS, gateway, ...); 0 for none. Runs
   *     minutes apart see the machine drift (a shared VM's neighbours, the JIT's luck) by more than
   *     the difference asked about; windows seconds apart see about the same machine, so the median
   *     of their ratios is the max-rate figure to judge by
   */
  public record Options(int rooms, int subscribersPerRoom, int publishersPerRoom, int window, Duration warmup, Duration measure,
      List<Integer> writeDelaysMs, List<WebSocketFleet.Framing> webSockets, Duration jitSettleLimit, int alternatedPairs, Path gatewayJar, Path outDir) {}

  /**
   * One system in one mode.
   *
   * @param coreToDeviceP50 of the same deliveries, microseconds from the core's stamp on the event to
   *     the delivery (NaN where deliveries carry none: NATS, WebSocket clients); see {@link
   *     FanoutTraffic#delivered(int, boolean, String, com.google.protobuf.Timestamp)}; {@code
   *     coreToDeviceP99} likewise
   * @param writesPerSecond write system calls per second of the server process that writes to the
   *     devices (NaN where {@code /proc} does not tell)
   */
  record Run(String system, String mode, double publishesPerSecond, double deliveriesPerSecond, double p50, double p90, double p99,
      double p999, double coreToDeviceP50, double coreToDeviceP99, double serverCpuCores, double harnessCpuCores, double writesPerSecond, long errors) {
    /** Deliveries per write system call: how much the server gathers into each write. */
    double deliveriesPerWrite() {
      return deliveriesPerSecond / writesPerSecond;
    }

    /**
     * CPU time the server spent per delivery, in microseconds: its cost per delivery whatever the
     * harness took of the shared cores (at max rate the two fill the machine together).
     */
    double serverMicrosPerDelivery() {
      return serverCpuCores * 1e6 / deliveriesPerSecond;
    }

    /** The harness's CPU time per delivery, in microseconds (every client's read and check). */
    double harnessMicrosPerDelivery() {
      return harnessCpuCores * 1e6 / deliveriesPerSecond;
    }
  }

  private static final int SAMPLE_CAPACITY = 4_000_000;
  private static final String GATEWAY = "gateway";
  private static final String GATEWAY_REDIS = "gateway + Redis";
  private static final String NATS = "nats-server";
  private static final String ALTERNATED = "max rate, alternated";
  /**
   * Load before each alternated window, at least. The gateway takes seconds to come back to its pace
   * after the other system's window: with 2 s its windows ran 5-18% below its sequential max of the
   * same run (four runs), with 6 s at or above it (two); NATS's were the same either way.
   */
  private static final Duration ALTERNATED_RAMP_UP = Duration.ofSeconds(6);

  private Fanout() {}

  /**
   * The fan-out system under test: its server processes (the one that writes to the devices first),
   * its traffic, and what to close.
   */
  private record Target(String name, List<Long> serverPids, List<Long> jvmPids, FanoutTraffic traffic, LongSupplier errorCount, AutoCloseable resources)
      implements AutoCloseable {
    /** Write system calls so far of the process that writes to the devices; -1 where unknown. */
    long deviceWriterSyscalls() {
      return ProcessProbe.writeSyscalls(serverPids.get(0)).orElse(-1);
    }

    /** CPU time of every server process of the target (the gateway, and Redis when it has one). */
    long serverCpuNanos() {
      return serverPids.stream().mapToLong(ProcessProbe::cpuNanos).sum();
    }

    long errors() {
      return errorCount.getAsLong();
    }

    @Override
    public void close() {
      try {
        resources.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop " + name, e);
      }
    }
  }

  public static ScenarioResult run(Options options, Consumer<String> progress) throws Exception {
    List<Run> runs = new ArrayList<>();
    String natsNote = "";
    double fixedRate;
    try (Target gateway = gatewayTarget(options, GATEWAY, Map.of(), List.of(), null)) {
      progress.accept("fanout: gateway ready, " + options.rooms() * options.subscribersPerRoom() + " subscribers");
      runs.add(maxRate(gateway, options, progress));
      progress.accept("fanout: " + runs.get(runs.size() - 1));
      fixedRate = runs.get(0).publishesPerSecond() / 2;
      runs.add(fixedRate(gateway, options, fixedRate));
      progress.accept("fanout: " + runs.get(runs.size() - 1));
      runs.add(fixedRate(gateway, options, fixedRate / 2));
      progress.accept("fanout: " + runs.get(runs.size() - 1));
    }
    for (WebSocketFleet.Framing framing : options.webSockets()) {
      try (Target overWebSockets = gatewayTarget(options, webSocketName(framing), Map.of(), List.of(), framing)) {
        progress.accept("fanout: gateway with WebSocket " + framing + " subscribers ready");
        runs.add(maxRate(overWebSockets, options, progress));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
        runs.add(fixedRate(overWebSockets, options, fixedRate));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
      }
    }
    for (int delay : options.writeDelaysMs()) {
      try (Target delayed = gatewayTarget(options, GATEWAY + ", write delay " + delay + " ms", Map.of("WRITE_DELAY_MS", Integer.toString(delay)), List.of(), null)) {
        runs.add(maxRate(delayed, options, progress));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
        runs.add(fixedRate(delayed, options, fixedRate));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
      }
    }
    String redisNote = "";
    Optional<Path> redisServer = Executables.find("redis-server");
    if (redisServer.isPresent()) {
      // The same gateway with the Redis engine: every event goes through Redis pub/sub, as it does
      // when several gateways share the rooms.
      int redisPort = ChildProcess.freePort();
      try (ChildProcess redis = ChildProcess.start("redis-server",
              List.of(redisServer.get().toString(), "--port", Integer.toString(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
              Map.of(), line -> {})) {
        redis.awaitPort(redisPort, Duration.ofSeconds(30));
        try (Target viaRedis = gatewayTarget(options, GATEWAY_REDIS, Map.of("CACHE_URI", "redis://127.0.0.1:" + redisPort), List.of(redis.pid()), null)) {
          progress.accept("fanout: gateway with Redis ready");
          Run max = maxRate(viaRedis, options, progress);
          runs.add(max);
          progress.accept("fanout: " + max);
          runs.add(fixedRate(viaRedis, options, Math.min(fixedRate, max.publishesPerSecond() / 2)));
          progress.accept("fanout: " + runs.get(runs.size() - 1));
        }
      }
    } else {
      redisNote = "redis-server is not installed here, so the gateway was not run with the Redis engine.";
      progress.accept("fanout: " + redisNote);
    }
    Optional<Path> natsServer = Executables.find("nats-server");
    if (natsServer.isPresent()) {
      try (Target nats = natsTarget(natsServer.get(), options)) {
        progress.accept("fanout: nats-server ready");
        runs.add(maxRate(nats, options, progress));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
        runs.add(fixedRate(nats, options, fixedRate));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
        runs.add(fixedRate(nats, options, fixedRate / 2));
        progress.accept("fanout: " + runs.get(runs.size() - 1));
      }
    } else {
      natsNote = "nats-server is not installed here, so the NATS reference was not run.";
      progress.accept("fanout: " + natsNote);
    }
    chart(runs, options.outDir().resolve("fanout-latency.png"));
    List<Run> alternated = natsServer.isPresent() ? alternated(natsServer.get(), options, progress) : List.of();
    runs.addAll(alternated);
    return report(options, runs, fixedRate, String.join(" ", redisNote, natsNote).trim());
  }

  /**
   * The gateway (gRPC devices) and nats-server both up with their clients connected, each warmed up
   * at max rate until the JITs settle, then {@link Options#alternatedPairs} pairs of max-rate
   * windows taken in turn, gateway first, each after {@link #ALTERNATED_RAMP_UP} of load at least.
   * Only the measured system has load; the other's idle connections cost next to nothing.
   */
  private static List<Run> alternated(Path natsServer, Options options, Consumer<String> progress) {
    List<Run> runs = new ArrayList<>();
    if (options.alternatedPairs() <= 0) {
      return runs;
    }
    try (Target gateway = gatewayTarget(options, GATEWAY, Map.of(), List.of(), null);
        Target nats = natsTarget(natsServer, options)) {
      progress.accept("fanout: gateway and nats-server both ready for alternated max-rate windows");
      for (Target target : List.of(gateway, nats)) {
        target.traffic().startMaxRate(options.window());
        pause(options.warmup());
        settle(target, options, progress);
        target.traffic().stopAndDrain(Duration.ofSeconds(30));
      }
      Duration rampUp = options.warmup().compareTo(ALTERNATED_RAMP_UP) > 0 ? options.warmup() : ALTERNATED_RAMP_UP;
      for (int pair = 1; pair <= options.alternatedPairs(); pair++) {
        for (Target target : List.of(gateway, nats)) {
          target.traffic().startMaxRate(options.window());
          pause(rampUp);
          runs.add(window(target, ALTERNATED + " " + pair + "/" + options.alternatedPairs(), options.measure(), () -> pause(options.measure())));
          target.traffic().stopAndDrain(Duration.ofSeconds(30));
          progress.accept("fanout: " + runs.get(runs.size() - 1));
        }
      }
    }
    return runs;
  }

  /** Waits, under the load already running, until the JITs of {@code target}'s processes have settled. */
  private static void settle(Target target, Options options, Consumer<String> progress) {
    Duration settling = options.jitSettleLimit().isZero() ? Duration.ZERO : ProcessProbe.awaitJitSettled(target.jvmPids(), options.jitSettleLimit());
    progress.accept(String.format(Locale.ROOT, "fanout: %s: JITs settled after %.1f s more at max rate", target.name(), settling.toMillis() / 1000.0));
  }

  private static Run maxRate(Target target, Options options, Consumer<String> progress) {
    FanoutTraffic traffic = target.traffic();
    traffic.startMaxRate(options.window());
    // The max-rate run is each server's first: it also warms up the JITs (the gateway's and the
    // harness's clients'), and a run measured while they still compile measures the compiler.
    pause(options.warmup());
    settle(target, options, progress);
    Run run = window(target, "max rate", options.measure(), () -> pause(options.measure()));
    traffic.stopAndDrain(Duration.ofSeconds(30));
    return run;
  }

  private static Run fixedRate(Target target, Options options, double perSecond) {
    FanoutTraffic traffic = target.traffic();
    traffic.runFixedRate(perSecond, options.warmup());
    Run run = window(target, String.format(Locale.ROOT, "fixed %,.0f publishes/s", perSecond), options.measure(),
        () -> traffic.runFixedRate(perSecond, options.measure()));
    traffic.stopAndDrain(Duration.ofSeconds(30));
    return run;
  }

  private static Run window(Target target, String mode, Duration duration, Runnable load) {
    FanoutTraffic traffic = target.traffic();
    long self = ProcessHandle.current().pid();
    long serverCpu = target.serverCpuNanos();
    long harnessCpu = ProcessProbe.cpuNanos(self);
    long published = traffic.published();
    long errors = target.errors();
    long writes = target.deviceWriterSyscalls();
    long start = System.nanoTime();
    Latencies latencies = traffic.measure(SAMPLE_CAPACITY);
    Latencies coreToDevice = traffic.coreToDevice();
    load.run();
    latencies.stop();
    coreToDevice.stop();
    double seconds = (System.nanoTime() - start) / 1e9;
    long writesAfter = target.deviceWriterSyscalls();
    double writesPerSecond = writes < 0 || writesAfter < 0 ? Double.NaN : (writesAfter - writes) / seconds;
    return new Run(target.name(), mode, (traffic.published() - published) / seconds, latencies.count() / seconds,
        latencies.percentileMicros(50), latencies.percentileMicros(90), latencies.percentileMicros(99), latencies.percentileMicros(99.9),
        coreToDevice.percentileMicros(50), coreToDevice.percentileMicros(99),
        (target.serverCpuNanos() - serverCpu) / 1e9 / seconds,
        (ProcessProbe.cpuNanos(self) - harnessCpu) / 1e9 / seconds, writesPerSecond, target.errors() - errors);
  }

  private static String webSocketName(WebSocketFleet.Framing framing) {
    return GATEWAY + ", WebSocket " + (framing == WebSocketFleet.Framing.JSON ? "JSON" : "binary");
  }

  /**
   * The gateway with every device on gRPC, or with its subscribers on the WebSocket bridge in {@code
   * webSocket} framing (publishers stay on gRPC: the fan-out is what differs).
   */
  private static Target gatewayTarget(Options options, String name, Map<String, String> env, List<Long> otherServerPids, WebSocketFleet.Framing webSocket) {
    GatewayProcess gateway = GatewayProcess.start(options.gatewayJar(), ChildProcess.freePort(), env);
    DeviceFleet fleet = new DeviceFleet(new InetSocketAddress("127.0.0.1", gateway.grpcPort()), 2, false);
    WebSocketFleet sockets = webSocket == null ? null : new WebSocketFleet(URI.create("ws://127.0.0.1:" + gateway.httpPort() + "/ws"));
    try {
      FanoutTraffic traffic =
          sockets == null
              ? GatewayRooms.open(gateway, fleet, options.rooms(), options.subscribersPerRoom(), options.publishersPerRoom(), GatewayRooms.READING, fleet::subscribed)
              : GatewayRooms.open(gateway, fleet, options.rooms(), options.subscribersPerRoom(), options.publishersPerRoom(),
                  (devices, rooms, room, index, token, roomIds) -> sockets.open(token, roomIds, webSocket, text -> rooms.delivered(room, index == 0, text)),
                  () -> fleet.subscribed() + sockets.subscribed());
      List<Long> pids = new ArrayList<>();
      pids.add(gateway.process().pid()); // first: the process that writes to the devices
      pids.addAll(otherServerPids);
      LongSupplier errors = sockets == null ? fleet::errorCount : () -> fleet.errorCount() + sockets.errorCount();
      return new Target(name, pids, List.of(gateway.process().pid(), ProcessHandle.current().pid()), traffic, errors, () -> {
        if (sockets != null) {
          sockets.close();
        }
        fleet.close();
        gateway.close();
      });
    } catch (RuntimeException e) {
      if (sockets != null) {
        sockets.close();
      }
      fleet.close();
      gateway.close();
      throw e;
    }
  }

  private static Target natsTarget(Path natsServer, Options options) {
    int port = ChildProcess.freePort();
    ChildProcess server =
        ChildProcess.start("nats-server", List.of(natsServer.toString(), "-a", "127.0.0.1", "-p", Integer.toString(port)), Map.of(), line -> {});
    NatsFleet fleet = new NatsFleet(new InetSocketAddress("127.0.0.1", port), 2);
    int publishers = options.publishersPerRoom();
    NatsFleet.NatsClient[] senders = new NatsFleet.NatsClient[options.rooms() * publishers];
    AtomicIntegerArray turns = new AtomicIntegerArray(options.rooms());
    FanoutTraffic traffic =
        new FanoutTraffic(options.rooms(), (room, payload) ->
            senders[room * publishers + turns.getAndIncrement(room) % publishers].publish("room." + room, payload.getBytes(StandardCharsets.US_ASCII)));
    int clients = options.rooms() * (options.subscribersPerRoom() + publishers);
    try {
      server.awaitPort(port, Duration.ofSeconds(30));
      for (int room = 0; room < options.rooms(); room++) {
        int index = room;
        for (int p = 0; p < publishers; p++) {
          senders[room * publishers + p] = fleet.connect(null, (c, payload) -> {});
        }
        for (int s = 0; s < options.subscribersPerRoom(); s++) {
          boolean sentinel = s == 0;
          fleet.connect("room." + room, (c, payload) -> traffic.delivered(index, sentinel, new String(payload, StandardCharsets.US_ASCII)));
        }
      }
      server.awaitCondition(clients + " NATS clients ready", Duration.ofMinutes(2), () -> fleet.ready() >= clients);
    } catch (RuntimeException e) {
      fleet.close();
      server.close();
      throw e;
    }
    return new Target(NATS, List.of(server.pid()), List.of(ProcessHandle.current().pid()), traffic, fleet::errors, () -> {
      fleet.close();
      server.close();
    });
  }

  private static void pause(Duration duration) {
    // Measurement time, not waiting for an outcome: the load runs on other threads meanwhile.
    java.util.concurrent.locks.LockSupport.parkNanos(duration.toNanos());
  }

  private static void chart(List<Run> runs, Path file) throws Exception {
    LineChart chart = new LineChart("Fan-out: publish-to-deliver latency percentiles", "percentile", "latency (ms)")
        .categories(List.of("p50", "p90", "p99", "p99.9"));
    double[] x = {0, 1, 2, 3};
    for (Run run : runs) {
      chart.series(run.system() + ", " + run.mode(), x, new double[] {run.p50() / 1000, run.p90() / 1000, run.p99() / 1000, run.p999() / 1000});
    }
    chart.write(file);
  }

  private static String joined(double[] ratios) {
    return Arrays.stream(ratios).mapToObj(r -> String.format(Locale.ROOT, "%.2fx", r)).collect(Collectors.joining(" / "));
  }

  /** The {@code index}-th run (0: max rate, 1: fixed rate, 2: a quarter of max where run) of {@code system}. */
  private static Optional<Run> find(List<Run> runs, String system, int index) {
    List<Run> of = runs.stream().filter(run -> run.system().equals(system)).toList();
    return index < of.size() ? Optional.of(of.get(index)) : Optional.empty();
  }

  private static ScenarioResult report(Options options, List<Run> runs, double fixedRate, String notes) {
    StringBuilder md = new StringBuilder("## Fan-out\n\n")
        .append(String.format(Locale.ROOT,
            "%d rooms x %d subscribers (each its own connection) + %d publishers per room taking turns; 1 event per publish; %s warm-up, and before the max-rate run (each server's first) until the JITs of the gateway and the harness have settled (compiling less than 5%% of the time, at most %s), %s measured per run. "
                + "Max rate: a closed loop keeping %d events per room in flight (published, not yet at the room's sentinel subscriber). "
                + "Fixed rate: half the gateway's max (with Redis: the lower of that and half its own max); the gateway and NATS also at a quarter of it. "
                + "`gateway, WebSocket JSON|binary`: the subscribers on the WebSocket bridge (Netty WebSocket clients checking each text frame's UTF-8 and parsing its JSON), publishers on gRPC. "
                + "`gateway + Redis` is the same gateway with the Redis engine (CACHE_URI), so every event goes through Redis pub/sub; its server CPU includes redis-server's. "
                + "`gateway, write delay N ms` is the in-memory gateway with WRITE_DELAY_MS=N (sessions let events gather N ms before writing them), at the same fixed rate. "
                + "Latency from publish to each delivery, clients on one clock. "
                + "Core → device: for one in ten of the gateway's gRPC subscribers, their deliveries also timed from the core's stamp on the event (sent_time, the wall clock the core and the harness share) instead: "
                + "the part of the latency after the core accepted the publish (engine, fan-out, session, transport, the client's read); the rest is the way in (publisher, gateway read, core). "
                + "CPU in cores used (2 = the whole machine); the harness runs every client; CPU per delivery is each one's CPU time divided by the deliveries, in microseconds. "
                + "Writes/s: write system calls per second of the process that writes to the devices (the gateway, nats-server), from /proc; "
                + "deliveries per write is how much it gathers into each (on loopback a delivery costs mostly its share of a write).%n%n",
            options.rooms(), options.subscribersPerRoom(), options.publishersPerRoom(), options.warmup(), options.jitSettleLimit(), options.measure(), options.window()))
        .append("| system | mode | publishes/s | deliveries/s | p50 (ms) | p90 (ms) | p99 (ms) | p99.9 (ms) | core → device p50 / p99 (ms) | server CPU | harness CPU | CPU per delivery: server / harness (µs) | writes/s | deliveries per write | errors |\n")
        .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<JsonObject> rows = new ArrayList<>();
    for (Run r : runs) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %.2f | %.2f | %.2f | %.2f | %s | %.2f | %.2f | %.2f / %.2f | %s | %s | %d |%n",
          r.system(), r.mode(), r.publishesPerSecond(), r.deliveriesPerSecond(), r.p50() / 1000, r.p90() / 1000, r.p99() / 1000,
          r.p999() / 1000,
          Double.isNaN(r.coreToDeviceP99()) ? "-" : String.format(Locale.ROOT, "%.2f / %.2f", r.coreToDeviceP50() / 1000, r.coreToDeviceP99() / 1000),
          r.serverCpuCores(), r.harnessCpuCores(), r.serverMicrosPerDelivery(), r.harnessMicrosPerDelivery(),
          Double.isNaN(r.writesPerSecond()) ? "-" : String.format(Locale.ROOT, "%,.0f", r.writesPerSecond()),
          Double.isNaN(r.writesPerSecond()) ? "-" : String.format(Locale.ROOT, "%.1f", r.deliveriesPerWrite()), r.errors()));
      JsonObject row = new JsonObject().put("system", r.system()).put("mode", r.mode()).put("publishesPerSecond", r.publishesPerSecond())
          .put("deliveriesPerSecond", r.deliveriesPerSecond()).put("p50Micros", r.p50()).put("p90Micros", r.p90())
          .put("p99Micros", r.p99()).put("p999Micros", r.p999());
      if (!Double.isNaN(r.coreToDeviceP99())) {
        row.put("coreToDeviceP50Micros", r.coreToDeviceP50()).put("coreToDeviceP99Micros", r.coreToDeviceP99());
      }
      rows.add(row.put("serverCpuCores", r.serverCpuCores())
          .put("harnessCpuCores", r.harnessCpuCores()).put("serverCpuMicrosPerDelivery", r.serverMicrosPerDelivery())
          .put("harnessCpuMicrosPerDelivery", r.harnessMicrosPerDelivery()).put("writeSyscallsPerSecond", r.writesPerSecond()).put("deliveriesPerWrite", r.deliveriesPerWrite())
          .put("errors", r.errors()));
    }
    JsonObject json = new JsonObject().put("rooms", options.rooms()).put("subscribersPerRoom", options.subscribersPerRoom())
        .put("publishersPerRoom", options.publishersPerRoom()).put("window", options.window()).put("fixedRatePublishesPerSecond", fixedRate).putObjects("runs", rows);
    Optional<Run> gatewayMax = find(runs, GATEWAY, 0);
    Optional<Run> natsMax = find(runs, NATS, 0);
    if (gatewayMax.isPresent() && natsMax.isPresent()) {
      double maxRatio = gatewayMax.get().deliveriesPerSecond() / natsMax.get().deliveriesPerSecond();
      double cpuRatio = gatewayMax.get().serverMicrosPerDelivery() / natsMax.get().serverMicrosPerDelivery();
      double p99Ratio = find(runs, GATEWAY, 1).get().p99() / find(runs, NATS, 1).get().p99();
      Run gatewayQuarter = find(runs, GATEWAY, 2).get();
      Run natsQuarter = find(runs, NATS, 2).get();
      Run gatewayHalf = find(runs, GATEWAY, 1).get();
      md.append(String.format(Locale.ROOT,
          "%nGateway / NATS: max deliveries/s **%.2fx**; p99 at the same fixed rate (half the gateway's max) **%.2fx** (latency; lower is better), "
              + "of which after the core (core → device) p99 %.2f ms against NATS's whole %.2f ms; "
              + "at a quarter of max, p99 **%.2f ms** (NATS %.2f ms). "
              + "At max rate the gateway spent %.2f µs of CPU per delivery, NATS %.2f (%.2fx), and the harness %.2f µs per delivery on the gateway's clients against %.2f on NATS's. "
              + "Targets (#16): max deliveries/s at least 0.5x NATS in the full topology; p99 at the same fixed rate at most 2x NATS, and at most 5 ms at a quarter of max in the quick topology.%n",
          maxRatio, p99Ratio, gatewayHalf.coreToDeviceP99() / 1000, find(runs, NATS, 1).get().p99() / 1000, gatewayQuarter.p99() / 1000, natsQuarter.p99() / 1000,
          gatewayMax.get().serverMicrosPerDelivery(), natsMax.get().serverMicrosPerDelivery(), cpuRatio,
          gatewayMax.get().harnessMicrosPerDelivery(), natsMax.get().harnessMicrosPerDelivery()));
      json.put("gatewayToNatsMaxDeliveries", maxRatio).put("gatewayToNatsP99", p99Ratio).put("gatewayToNatsCpuPerDelivery", cpuRatio)
          .put("gatewayQuarterMaxP99Micros", gatewayQuarter.p99()).put("natsQuarterMaxP99Micros", natsQuarter.p99());
    }
    List<Run> gatewayAlternated = runs.stream().filter(r -> r.system().equals(GATEWAY) && r.mode().startsWith(ALTERNATED)).toList();
    List<Run> natsAlternated = runs.stream().filter(r -> r.system().equals(NATS) && r.mode().startsWith(ALTERNATED)).toList();
    if (!gatewayAlternated.isEmpty() && gatewayAlternated.size() == natsAlternated.size()) {
      double[] ratios = new double[gatewayAlternated.size()];
      double[] cpuRatios = new double[ratios.length];
      for (int i = 0; i < ratios.length; i++) {
        ratios[i] = gatewayAlternated.get(i).deliveriesPerSecond() / natsAlternated.get(i).deliveriesPerSecond();
        cpuRatios[i] = gatewayAlternated.get(i).serverMicrosPerDelivery() / natsAlternated.get(i).serverMicrosPerDelivery();
      }
      md.append(String.format(Locale.ROOT,
          "%nAlternated (both servers up, max-rate windows in turn, gateway first): gateway / NATS max deliveries/s %s, median **%.2fx**; "
              + "server CPU per delivery %s, median %.2fx. The target's figure (#16: at least 0.5x, the median of three alternated runs).%n",
          joined(ratios), Medians.of(ratios), joined(cpuRatios), Medians.of(cpuRatios)));
      json.putNumbers("alternatedMaxRatios", ratios).put("alternatedMaxRatioMedian", Medians.of(ratios))
          .put("alternatedCpuPerDeliveryRatioMedian", Medians.of(cpuRatios));
    }
    for (WebSocketFleet.Framing framing : options.webSockets()) {
      Optional<Run> webSocketMax = find(runs, webSocketName(framing), 0);
      if (gatewayMax.isPresent() && webSocketMax.isPresent()) {
        double ratio = webSocketMax.get().deliveriesPerSecond() / gatewayMax.get().deliveriesPerSecond();
        md.append(String.format(Locale.ROOT, "%nWebSocket %s subscribers / gRPC subscribers: max deliveries/s **%.2fx** (target: at least 0.7x).%n",
            framing == WebSocketFleet.Framing.JSON ? "JSON" : "binary", ratio));
        json.put("webSocket" + (framing == WebSocketFleet.Framing.JSON ? "Json" : "Binary") + "ToGrpcMaxDeliveries", ratio);
      }
    }
    if (!notes.isEmpty()) {
      md.append("\n").append(notes).append("\n");
    }
    md.append("\n![fan-out latency](fanout-latency.png)\n");
    return new ScenarioResult("fanout", md.toString(), json);
  }
}
