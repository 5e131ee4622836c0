package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceFleet;
import io.chatgateway.bench.loadgen.Latencies;
import io.chatgateway.bench.process.ChildProcess;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.process.ProcessProbe;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.ScenarioResult;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Slow consumers: rooms fanned out at a fixed rate, first with every device reading, then with a share
 * of them that stop reading. Reported: p99 of the devices that keep reading in both runs (the same
 * devices), how many slow devices the gateway cut, and the gateway's heap after GC before and after
 * (bounded by the per-session outbound queue, not by how long the slow devices stall).
 *
 * <p>Slow devices use a 16 KB HTTP/2 window, so a stalled one pushes back on the gateway after a few
 * hundred events rather than after grpc-java's default megabyte.
 */
public final class SlowConsumers {

  /** What to run. */
  public record Options(int rooms, int subscribersPerRoom, int slowPercent, int publishesPerSecond, Duration warmup, Duration measure, Path gatewayJar) {}

  private static final int SLOW_WINDOW_BYTES = 16 * 1024;
  private static final int SAMPLE_CAPACITY = 4_000_000;

  private SlowConsumers() {}

  public static ScenarioResult run(Options options, Consumer<String> progress) {
    int devices = options.rooms() * (options.subscribersPerRoom() + 1);
    List<DeviceFleet.Device> slow = new ArrayList<>();
    try (GatewayProcess gateway = GatewayProcess.start(options.gatewayJar(), ChildProcess.freePort(), Map.of());
        DeviceFleet fleet = new DeviceFleet(new InetSocketAddress("127.0.0.1", gateway.grpcPort()), 2, false)) {
      int every = Math.max(1, 100 / Math.max(1, options.slowPercent()));
      // The sentinel (index 0) always reads; every n-th of the others will stall.
      FanoutTraffic traffic = GatewayRooms.open(gateway, fleet, options.rooms(), options.subscribersPerRoom(), 1,
          (clients, shared, room, index, token, roomIds) -> {
            if (options.slowPercent() > 0 && index % every == every - 1) {
              slow.add(clients.open(java.net.InetAddress.getLoopbackAddress(), token, roomIds, (d, e) -> {}, SLOW_WINDOW_BYTES));
            } else {
              GatewayRooms.READING.open(clients, shared, room, index, token, roomIds);
            }
          },
          fleet::subscribed);
      long pid = gateway.process().pid();

      traffic.runFixedRate(options.publishesPerSecond(), options.warmup());
      Latencies allReading = traffic.measure(SAMPLE_CAPACITY);
      traffic.runFixedRate(options.publishesPerSecond(), options.measure());
      allReading.stop();
      traffic.stopAndDrain(Duration.ofSeconds(30));
      ProcessProbe.Memory before = ProcessProbe.memory(pid);
      progress.accept(String.format(Locale.ROOT, "slow: all reading, p99 %.2f ms", allReading.percentileMicros(99) / 1000));

      Map<String, Long> errorsBefore = fleet.errors();
      slow.forEach(DeviceFleet.Device::stopReading);
      traffic.runFixedRate(options.publishesPerSecond(), options.warmup());
      Latencies withSlow = traffic.measure(SAMPLE_CAPACITY);
      traffic.runFixedRate(options.publishesPerSecond(), options.measure());
      withSlow.stop();
      ProcessProbe.Memory during = ProcessProbe.memory(pid);
      traffic.stopAndDrain(Duration.ofSeconds(30));
      Map<String, Long> errorsDuring = new HashMap<>(fleet.errors());
      errorsBefore.forEach((code, count) -> errorsDuring.merge(code, -count, Long::sum));
      errorsDuring.values().removeIf(count -> count == 0);
      progress.accept(String.format(Locale.ROOT, "slow: %d stalled, p99 of the others %.2f ms, errors %s",
          slow.size(), withSlow.percentileMicros(99) / 1000, errorsDuring));
      return report(options, slow.size(), devices - options.rooms(), allReading, withSlow, before, during, errorsDuring);
    } catch (Exception e) {
      throw new IllegalStateException("slow-consumer scenario failed", e);
    }
  }

  private static ScenarioResult report(Options options, int slow, int subscribers, Latencies allReading, Latencies withSlow,
      ProcessProbe.Memory before, ProcessProbe.Memory during, Map<String, Long> errors) {
    long cut = errors.entrySet().stream().filter(e -> e.getKey().startsWith("status:")).mapToLong(Map.Entry::getValue).sum();
    StringBuilder md = new StringBuilder("## Slow consumers\n\n")
        .append(String.format(Locale.ROOT,
            "%d rooms x %d subscribers at %,d publishes/s in all (%,d deliveries/s). Then %d of the %d subscribers (%d%%) stop reading "
                + "(16 KB HTTP/2 window). Latency percentiles are of the same reading devices in both runs; memory is the gateway's, after a full GC. "
                + "Gateway defaults: OUTBOUND_QUEUE_MAX_MESSAGES 1000, OUTBOUND_QUEUE_MAX_BYTES 1 MiB per session.%n%n",
            options.rooms(), options.subscribersPerRoom(), options.publishesPerSecond(),
            (long) options.publishesPerSecond() * options.subscribersPerRoom(), slow, subscribers, options.slowPercent()))
        .append("| run | p50 (ms) | p99 (ms) | p99.9 (ms) | deliveries measured | gateway heap after GC (MB) | gateway RSS (MB) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|\n")
        .append(row("all devices reading", allReading, before))
        .append(row(slow + " devices stalled", withSlow, during));
    double ratio = withSlow.percentileMicros(99) / allReading.percentileMicros(99);
    md.append(String.format(Locale.ROOT,
        "%np99 of the reading devices with stalled ones beside them: **%.2fx** the p99 without. Stalled sessions the gateway ended: %d of %d; failures seen by devices: %s.%n",
        ratio, cut, slow, errors));
    JsonObject json = new JsonObject().put("rooms", options.rooms()).put("subscribersPerRoom", options.subscribersPerRoom())
        .put("publishesPerSecond", options.publishesPerSecond()).put("slowDevices", slow).put("slowSessionsEnded", cut)
        .put("p99AllReadingMicros", allReading.percentileMicros(99)).put("p99WithSlowMicros", withSlow.percentileMicros(99))
        .put("p99Ratio", ratio).put("heapAfterGcBeforeBytes", before.heapAfterGcBytes()).put("heapAfterGcWithSlowBytes", during.heapAfterGcBytes())
        .put("rssBeforeBytes", before.rssBytes()).put("rssWithSlowBytes", during.rssBytes());
    return new ScenarioResult("slow", md.toString(), json);
  }

  private static String row(String run, Latencies latencies, ProcessProbe.Memory memory) {
    return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %,d | %.1f | %.1f |%n", run, latencies.percentileMicros(50) / 1000,
        latencies.percentileMicros(99) / 1000, latencies.percentileMicros(99.9) / 1000, latencies.count(),
        memory.heapAfterGcBytes() / 1e6, memory.rssBytes() / 1e6);
  }
}
