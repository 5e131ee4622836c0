package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceTransport;
import io.chatgateway.bench.loadgen.LoadGenerators;
import io.chatgateway.bench.process.ChildProcess;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.process.ProcessProbe;
import io.chatgateway.bench.reference.BareGrpcServer;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.LineChart;
import io.chatgateway.bench.report.ScenarioResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Idle capacity: N device streams, each its own TCP connection, each having said hello and subscribed
 * to one room, held open by load-generator processes. At every N the server's memory is read after a
 * full GC: heap, direct (native "Other") and RSS. The same steps run against the gateway over gRPC,
 * against the bare grpc-java reference, and against the gateway's WebSocket bridge (token in the
 * upgrade's header, and token in the hello as browsers send it). Reported is the
 * memory per connection at each N and the slope (bytes per added connection, least squares over all
 * steps), from which capacity per GB follows.
 */
public final class IdleCapacity {

  /** Connections the server process needs besides its streams (jars, epoll, listeners, pipes). */
  private static final int FILES_RESERVED = 200;
  private static final int ROOM_SIZE = 1_000;
  /**
   * WebSocket devices that upgrade without a token and send it in their hello, as browsers must (they
   * cannot set headers on a WebSocket); the other WebSocket target sends it in the upgrade's
   * {@code Authorization} header, as other clients may.
   */
  private static final String BROWSER_WEBSOCKET = "gateway, WebSocket, token in hello (browsers)";

  /** What to run: connection counts per step for each transport; an empty list skips that target. */
  public record Options(List<Integer> grpcSteps, List<Integer> webSocketSteps, Path gatewayJar, Path outDir) {}

  /** One measurement of one target. */
  record Point(int connections, double connectsPerSecond, long errors, ProcessProbe.Memory memory) {}

  /** One target's curve and what it started from. */
  record Curve(String target, int warm, ProcessProbe.Memory baseline, List<Point> points) {
    double jvmSlopeBytes() {
      return slope(points, warm, p -> p.memory().jvmBytes(), baseline.jvmBytes());
    }

    double rssSlopeBytes() {
      return slope(points, warm, p -> p.memory().rssBytes(), baseline.rssBytes());
    }

    /** Bytes each connection added, counted from the baseline taken after the warm-up connections. */
    double perConnection(Point p, java.util.function.ToLongFunction<ProcessProbe.Memory> value) {
      return (double) (value.applyAsLong(p.memory()) - value.applyAsLong(baseline)) / (p.connections() - warm);
    }
  }

  /**
   * Connections opened before the baseline is read: the first ones pay one-time costs (classes,
   * buffer pools, caches filled on first use) that are not a cost per connection.
   */
  private static int warmUp(List<Integer> steps) {
    return Math.min(200, steps.get(0) / 5);
  }

  private IdleCapacity() {}

  public static ScenarioResult run(Options options, Consumer<String> progress) throws Exception {
    long limit = ProcessProbe.openFilesHardLimit();
    List<String> notes = new ArrayList<>();
    List<Integer> grpcSteps = capped(options.grpcSteps(), limit, notes);
    List<Integer> wsSteps = capped(options.webSocketSteps(), limit, notes);
    List<Curve> curves = new ArrayList<>();
    // WebSocket first, as when its load generators could not choose a source address (the JDK
    // client): the gRPC steps' tens of thousands of closed connections hold ports in TIME_WAIT for a
    // minute afterwards. Every load generator now binds its own source address; the order stays so
    // that figures compare with earlier runs.
    List<Curve> webSockets = new ArrayList<>();
    if (!wsSteps.isEmpty()) {
      webSockets.add(measureGateway("gateway, WebSocket", DeviceTransport.WEBSOCKET, options, wsSteps, notes, progress));
      webSockets.add(measureGateway(BROWSER_WEBSOCKET, DeviceTransport.WEBSOCKET_BROWSER, options, wsSteps, notes, progress));
    }
    if (!grpcSteps.isEmpty()) {
      curves.add(measureGateway("gateway, gRPC", DeviceTransport.GRPC, options, grpcSteps, notes, progress));
      curves.add(measureBare(grpcSteps, options.outDir(), notes, progress));
    }
    curves.addAll(webSockets);
    chart(curves, options.outDir().resolve("idle-memory-per-connection.png"));
    return report(curves, limit, notes);
  }

  private static List<Integer> capped(List<Integer> steps, long limit, List<String> notes) {
    long most = limit - FILES_RESERVED;
    List<Integer> kept = new ArrayList<>();
    for (int step : steps) {
      if (step > most) {
        notes.add(String.format(Locale.ROOT, "N=%d left out: a process may hold at most %d open files here (ulimit -Hn), so one server holds about %d connections.", step, limit, most));
      } else {
        kept.add(step);
      }
    }
    return kept;
  }

  private static Curve measureGateway(
      String target, DeviceTransport transport, Options options, List<Integer> steps, List<String> notes, Consumer<String> progress) {
    int grpcPort = ChildProcess.freePort();
    try (GatewayProcess gateway =
        GatewayProcess.start(options.gatewayJar(), grpcPort, Map.of("MAX_CHANNELS_PER_SOCKET", "10"))) {
      gateway.createRooms(steps.get(steps.size() - 1), ROOM_SIZE);
      int port = transport.webSocket() ? gateway.httpPort() : gateway.grpcPort();
      return measure(target, transport, gateway.process().pid(), port, steps, options.outDir(), notes, progress);
    }
  }

  private static Curve measureBare(List<Integer> steps, Path outDir, List<String> notes, Consumer<String> progress) {
    int port = ChildProcess.freePort();
    List<String> flags = new ArrayList<>(GatewayProcess.JVM_FLAGS);
    flags.addAll(ProcessProbe.MEASURED_JVM_FLAGS);
    try (ChildProcess bare =
        ChildProcess.startJava("bare-grpc", flags, BareGrpcServer.class.getName(), List.of(Integer.toString(port)), Map.of(), line -> {})) {
      bare.awaitPort(port, Duration.ofSeconds(60));
      return measure("bare grpc-java (defaults)", DeviceTransport.GRPC, bare.pid(), port, steps, outDir, notes, progress);
    }
  }

  /**
   * Opens the steps' connections and reads memory at each. The class histogram of the largest step
   * is kept beside the results ({@code idle-histogram-<target>.txt}): what a connection costs,
   * class by class, to compare with the bare server's.
   */
  private static Curve measure(
      String target, DeviceTransport transport, long pid, int port, List<Integer> steps, Path outDir, List<String> notes, Consumer<String> progress) {
    List<Point> points = new ArrayList<>();
    List<LoadGenerators> generators = new ArrayList<>();
    try {
      int warm = warmUp(steps);
      LoadGenerators warmUp = LoadGenerators.start(transport, port, 0, warm, ROOM_SIZE, false);
      generators.add(warmUp);
      warmUp.awaitSubscribed(warm, Duration.ofMinutes(2));
      ProcessProbe.awaitQuiet(pid, Duration.ofSeconds(60));
      ProcessProbe.Memory baseline = ProcessProbe.memory(pid);
      int open = warm;
      for (int step : steps) {
        long start = System.nanoTime();
        LoadGenerators added = LoadGenerators.start(transport, port, open, step - open, ROOM_SIZE, false);
        generators.add(added);
        // Devices that fail to connect are counted, not waited for: the step is measured at what is held.
        added.awaitSettled(step - open, Duration.ofMinutes(5));
        double rate = (step - open) / ((System.nanoTime() - start) / 1e9);
        long errors = generators.stream().mapToLong(LoadGenerators::errors).sum();
        int held = (int) generators.stream().mapToLong(LoadGenerators::subscribed).sum();
        open = step;
        // Connecting sets off work that outlives it (presence to every member of the room, whose
        // events wait in session queues until read): idle memory is read once that is done.
        ProcessProbe.awaitQuiet(pid, Duration.ofSeconds(60));
        ProcessProbe.Memory memory = ProcessProbe.memory(pid);
        points.add(new Point(held, rate, errors, memory));
        if (added.errors() > 0) {
          added.errorReports(Duration.ofSeconds(10));
          notes.add(String.format(Locale.ROOT, "%s, N=%d: %d devices failed; what they said first: %s",
              target, step, added.errors(), String.join("; ", added.errorSamples())));
        }
        progress.accept(String.format(Locale.ROOT, "idle %s: %d streams, %.0f/s, %.2f KB JVM and %.2f KB RSS per stream",
            target, step, rate, (memory.jvmBytes() - baseline.jvmBytes()) / 1024.0 / (step - warm),
            (memory.rssBytes() - baseline.rssBytes()) / 1024.0 / (step - warm)));
      }
      Path histogram = outDir.resolve("idle-histogram-" + target.replaceAll("[^A-Za-z0-9]+", "-") + ".txt");
      try {
        Files.writeString(histogram, ProcessProbe.classHistogram(pid));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + histogram, e);
      }
      return new Curve(target, warm, baseline, points);
    } finally {
      generators.forEach(LoadGenerators::close);
    }
  }

  /** Least-squares slope of {@code value} over N, with the baseline at N = {@code warm}. */
  private static double slope(List<Point> points, int warm, java.util.function.ToLongFunction<Point> value, long baseline) {
    double n = points.size() + 1;
    double sumX = warm;
    double sumY = baseline;
    double sumXY = (double) warm * baseline;
    double sumXX = (double) warm * warm;
    for (Point p : points) {
      double x = p.connections();
      double y = value.applyAsLong(p);
      sumX += x;
      sumY += y;
      sumXY += x * y;
      sumXX += x * x;
    }
    return (n * sumXY - sumX * sumY) / (n * sumXX - sumX * sumX);
  }

  private static void chart(List<Curve> curves, Path file) throws Exception {
    LineChart chart = new LineChart("Idle streams: memory per connection vs N", "connections (N)", "KB per connection");
    for (Curve curve : curves) {
      double[] x = curve.points().stream().mapToDouble(Point::connections).toArray();
      chart.series(curve.target() + ", heap+direct",
          x, curve.points().stream().mapToDouble(p -> curve.perConnection(p, ProcessProbe.Memory::jvmBytes) / 1024).toArray());
      chart.series(curve.target() + ", RSS",
          x, curve.points().stream().mapToDouble(p -> curve.perConnection(p, ProcessProbe.Memory::rssBytes) / 1024).toArray());
    }
    chart.write(file);
  }

  private static ScenarioResult report(List<Curve> curves, long limit, List<String> notes) {
    StringBuilder md = new StringBuilder("## Idle capacity\n\n")
        .append("Each stream its own TCP connection, hello + subscribe to 1 room (1,000 devices per room), held by load-generator processes of at most ")
        .append(LoadGenerators.PER_PROCESS).append(" devices each. Memory of the server process after a full GC, minus its memory after a warm-up of the first few connections (one-time costs), divided by the connections added since. ")
        .append("\"heap+direct\" is heap used after GC plus NMT's \"Other\" (direct buffers). Open-file limit per process: ").append(limit).append(".\n\n")
        .append("| target | N | connects/s | errors | heap (MB) | direct (MB) | RSS (MB) | heap+direct per conn (KB) | RSS per conn (KB) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    List<JsonObject> targets = new ArrayList<>();
    for (Curve curve : curves) {
      List<JsonObject> points = new ArrayList<>();
      for (Point p : curve.points()) {
        double jvmPer = curve.perConnection(p, ProcessProbe.Memory::jvmBytes) / 1024;
        double rssPer = curve.perConnection(p, ProcessProbe.Memory::rssBytes) / 1024;
        md.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %d | %.1f | %.1f | %.1f | %.2f | %.2f |%n",
            curve.target(), p.connections(), p.connectsPerSecond(), p.errors(), p.memory().heapAfterGcBytes() / 1e6,
            p.memory().directBytes() / 1e6, p.memory().rssBytes() / 1e6, jvmPer, rssPer));
        points.add(new JsonObject().put("connections", p.connections()).put("connectsPerSecond", p.connectsPerSecond())
            .put("errors", p.errors()).put("heapAfterGcBytes", p.memory().heapAfterGcBytes()).put("directBytes", p.memory().directBytes())
            .put("rssBytes", p.memory().rssBytes()).put("jvmBytesPerConnection", jvmPer * 1024).put("rssBytesPerConnection", rssPer * 1024));
      }
      targets.add(new JsonObject().put("target", curve.target()).put("jvmSlopeBytesPerConnection", curve.jvmSlopeBytes())
          .put("rssSlopeBytesPerConnection", curve.rssSlopeBytes()).putObjects("points", points));
    }
    md.append("\n| target | heap+direct per added connection (KB, slope) | RSS per added connection (KB, slope) | idle streams per GB of heap+direct |\n")
        .append("|---|---:|---:|---:|\n");
    for (Curve curve : curves) {
      md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %,.0f |%n",
          curve.target(), curve.jvmSlopeBytes() / 1024, curve.rssSlopeBytes() / 1024, (1 << 30) / curve.jvmSlopeBytes()));
    }
    JsonObject json = new JsonObject().putObjects("targets", targets);
    if (curves.size() >= 2 && curves.get(1).target().startsWith("bare")) {
      double ratio = curves.get(0).jvmSlopeBytes() / curves.get(1).jvmSlopeBytes();
      md.append(String.format(Locale.ROOT, "%nGateway vs bare grpc-java, heap+direct per connection: **%.2fx** (target: at or below 1.0x and at most 10 KB).%n", ratio));
      json.put("gatewayToBareJvmRatio", ratio);
    }
    notes.forEach(note -> md.append("\n").append(note).append("\n"));
    md.append("\n![memory per connection](idle-memory-per-connection.png)\n");
    return new ScenarioResult("idle", md.toString(), json);
  }
}
