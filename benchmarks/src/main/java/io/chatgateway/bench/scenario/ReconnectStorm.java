package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceTransport;
import io.chatgateway.bench.loadgen.LoadGenerators;
import io.chatgateway.bench.process.ChildProcess;
import io.chatgateway.bench.process.Executables;
import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.ScenarioResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reconnect storm: N connected devices, then the gateway goes away and a new one starts on the same
 * port, as a pod replaced in place. {@code kill}: SIGKILL, no warning. {@code drain}: SIGTERM, so the
 * gateway tells every device to reconnect (spread over its grace) before it exits. Devices come back
 * with jittered exponential backoff. Reported: time from the restart until all N are back and
 * re-subscribed, and the failures they saw.
 *
 * <p>The core and Redis run apart from the gateway (the production layout), so rooms outlive the
 * restart; this needs {@code redis-server}, and the scenario says so and is skipped without it.
 */
public final class ReconnectStorm {

  /**
   * What to run.
   *
   * @param clients {@code raw}: devices written on the generated stubs ({@code DeviceFleet});
   *     {@code library}: clients of the device client library ({@code LibraryFleet})
   * @param gatewayEnv variables set on every gateway beyond the scenario's own (for A/B runs)
   */
  public record Options(int devices, List<String> restarts, String clients, Map<String, String> gatewayEnv, Path gatewayJar) {}

  private record Result(
      String restart,
      double secondsUntilListening,
      double secondsUntilAllBack,
      double secondsUntilCaughtUp,
      long streamsOpened,
      long cacheReads,
      long coreReads,
      long presenceEvents,
      long presenceMessages,
      double secondsUntilPresenceSettled,
      List<String> errors,
      List<String> errorSamples) {}

  private static final int ROOM_SIZE = 1_000;
  /** Events published to every room while the gateway is down: what each device must catch up on. */
  static final int MISSED_PER_ROOM = 50;
  private static final int DRAIN_GRACE_SEC = 6;

  private ReconnectStorm() {}

  public static ScenarioResult run(Options options, Consumer<String> progress) {
    Optional<Path> redisServer = Executables.find("redis-server");
    if (redisServer.isEmpty()) {
      String why = "redis-server is not installed here: the reconnect storm needs a core and Redis that outlive the gateway, so it was not run.";
      progress.accept("reconnect: " + why);
      return new ScenarioResult("reconnect", "## Reconnect storm\n\n" + why + "\n", new JsonObject().put("skipped", why));
    }
    int redisPort = ChildProcess.freePort();
    int corePort = ChildProcess.freePort();
    int grpcPort = ChildProcess.freePort();
    String cacheUri = "redis://127.0.0.1:" + redisPort;
    List<Result> results = new ArrayList<>();
    try (ChildProcess redis = ChildProcess.start("redis-server",
            List.of(redisServer.get().toString(), "--port", Integer.toString(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            Map.of(), line -> {});
        ChildProcess core = startCore(options.gatewayJar(), redis, redisPort, corePort, cacheUri)) {
      Map<String, String> env = new java.util.HashMap<>(options.gatewayEnv());
      env.putAll(Map.of(
          "CHAT_SERVICE_URI", "127.0.0.1:" + corePort, "CACHE_URI", cacheUri, "SHUTDOWN_GRACE_SEC", Integer.toString(DRAIN_GRACE_SEC)));
      GatewayProcess gateway = GatewayProcess.start(options.gatewayJar(), grpcPort, env);
      try (LoadGenerators devices = startDevices(gateway, options.devices(), options.clients());
          CorePublisher publisher = new CorePublisher(corePort, rooms(options.devices()))) {
        devices.awaitSubscribed(options.devices(), Duration.ofMinutes(5));
        for (String restart : options.restarts()) {
          // Every device holds a position before the restart: one event per room, caught up.
          publisher.publish(1).forEach(devices::target);
          devices.awaitCaughtUp(options.devices(), Duration.ofMinutes(5));
          long opened = devices.opened();
          long presenceBefore = devices.presenceEvents();
          long presenceMessagesBefore = devices.presenceMessages();
          long start = System.nanoTime();
          if (restart.equals("drain")) {
            gateway.process().terminate(Duration.ofSeconds(DRAIN_GRACE_SEC + 30));
          } else {
            gateway.process().kill();
          }
          gateway.close();
          // What the devices miss while no gateway serves them.
          publisher.publish(MISSED_PER_ROOM).forEach(devices::target);
          Map<String, String> restartEnv = new java.util.HashMap<>(env);
          if (restart.endsWith("no-cache")) {
            restartEnv.put("RECENT_EVENTS_PER_ROOM", "0");
          }
          gateway = GatewayProcess.start(options.gatewayJar(), grpcPort, gateway.httpPort(), restartEnv);
          double listening = (System.nanoTime() - start) / 1e9;
          devices.awaitSubscribed(options.devices(), Duration.ofMinutes(5));
          double back = (System.nanoTime() - start) / 1e9;
          devices.awaitCaughtUp(options.devices(), Duration.ofMinutes(5));
          double caughtUp = (System.nanoTime() - start) / 1e9;
          awaitPresenceSettled(devices);
          double presenceSettled = (System.nanoTime() - start) / 1e9 - PRESENCE_QUIET.toNanos() / 1e9;
          String metrics = gateway.scrapeMetrics();
          List<String> errors = devices.errorReports(Duration.ofSeconds(10));
          Result result = new Result(
              restart, listening, back, caughtUp, devices.opened() - opened,
              counter(metrics, "chat_gateway_history_reads_total", "cache"), counter(metrics, "chat_gateway_history_reads_total", "core"),
              devices.presenceEvents() - presenceBefore, devices.presenceMessages() - presenceMessagesBefore, presenceSettled,
              errors, devices.errorSamples());
          results.add(result);
          progress.accept(String.format(Locale.ROOT,
              "reconnect (%s): new gateway listening after %.1f s, all %d back after %.1f s and caught up after %.1f s, %d streams opened, history reads %d from cache / %d from the core, "
                  + "presence %d events in %d messages (settled after %.1f s), failures %s",
              restart, listening, options.devices(), back, caughtUp, result.streamsOpened(), result.cacheReads(), result.coreReads(),
              result.presenceEvents(), result.presenceMessages(), presenceSettled, result.errors()));
        }
      } finally {
        gateway.close();
      }
    }
    return report(options, results);
  }

  /** Presence counts that did not move for this long are taken as settled. */
  private static final Duration PRESENCE_QUIET = Duration.ofSeconds(3);

  /**
   * Waits until the devices' presence counts stop moving: presence set off by the storm may still be
   * on its way (coalesced, or queued) when the last device has caught up.
   */
  private static void awaitPresenceSettled(LoadGenerators devices) {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    long last = devices.presenceEvents();
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < PRESENCE_QUIET.toNanos() && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
      long now = devices.presenceEvents();
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      }
    }
  }

  private static ChildProcess startCore(Path jar, ChildProcess redis, int redisPort, int corePort, String cacheUri) {
    redis.awaitPort(redisPort, Duration.ofSeconds(30));
    ChildProcess core = ChildProcess.startJar("core", List.of("-Xmx1g"), jar, List.of("core"),
        Map.of("CORE_PORT", Integer.toString(corePort), "CACHE_URI", cacheUri, "LOG_LEVEL", "warn", "CORE_TRUST_NETWORK", "true"), line -> {});
    core.awaitPort(corePort, Duration.ofSeconds(60));
    return core;
  }

  private static LoadGenerators startDevices(GatewayProcess gateway, int devices, String clients) {
    gateway.createRooms(devices, ROOM_SIZE);
    return LoadGenerators.start(clients.equals("library") ? DeviceTransport.LIBRARY : DeviceTransport.GRPC, gateway.grpcPort(), 0, devices, ROOM_SIZE, true, true);
  }

  private static List<String> rooms(int devices) {
    List<String> rooms = new ArrayList<>();
    for (int first = 0; first < devices; first += ROOM_SIZE) {
      rooms.add(io.chatgateway.bench.loadgen.DeviceTokens.room(first, ROOM_SIZE));
    }
    return rooms;
  }

  /** The value of a Prometheus counter with {@code source="..."} in a scrape; 0 when absent. */
  static long counter(String scrape, String name, String source) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") && line.contains("source=\"" + source + "\"")) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private static ScenarioResult report(Options options, List<Result> results) {
    StringBuilder md = new StringBuilder("## Reconnect storm\n\n")
        .append(String.format(Locale.ROOT,
            "%,d devices (each its own connection, subscribed to 1 room) on a gateway with a standalone core and Redis. The gateway is replaced "
                + "on the same port; devices reconnect with full-jitter exponential backoff (200 ms doubling, 5 s cap) and resume: `hello` with "
                + "their last resume token and their position in the room. Devices: %s. While no gateway serves them, %d events are published to every room "
                + "(straight to the core), so every device has them to catch up on. "
                + "`drain` is SIGTERM with SHUTDOWN_GRACE_SEC=%d (devices are told to reconnect, spread over the grace); `kill` is SIGKILL; "
                + "`kill, no cache` is SIGKILL with the new gateway's recent-events cache off (RECENT_EVENTS_PER_ROOM=0), every catch-up read from the core. "
                + "Time runs from the signal until every device is subscribed again (back) and holds every event (caught up), including the new gateway's "
                + "start-up. History reads are the new gateway's `chat_gateway_history_reads_total` by source. Presence: the presence events the devices "
                + "received from the signal until their counts stopped moving (for %s), and the messages that carried them (a batch is one), per device.%n%n",
            options.devices(),
            options.clients().equals("library") ? "clients of the device client library (`chat-device-client`), two loop threads and one listener thread for all" : "hand-written on the generated stubs",
            MISSED_PER_ROOM, DRAIN_GRACE_SEC, PRESENCE_QUIET.toSeconds() + " s"))
        .append(options.gatewayEnv().isEmpty() ? "" : "Gateway environment beyond the defaults: `" + options.gatewayEnv() + "`.\n\n")
        .append("| restart | until the new gateway listens (s) | until all back (s) | until all caught up (s) | streams opened | history reads from cache | from the core | core reads per resumed device "
            + "| presence events per device | presence messages per device | presence settled (s) | failures seen by devices (per load generator) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    List<JsonObject> rows = new ArrayList<>();
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %,d | %,d | %,d | %.3f | %,.1f | %,.1f | %.1f | %s |%n",
          r.restart().replace("-", ", ").replace("no, cache", "no cache"), r.secondsUntilListening(), r.secondsUntilAllBack(), r.secondsUntilCaughtUp(), r.streamsOpened(),
          r.cacheReads(), r.coreReads(), (double) r.coreReads() / options.devices(),
          (double) r.presenceEvents() / options.devices(), (double) r.presenceMessages() / options.devices(), r.secondsUntilPresenceSettled(), String.join("; ", r.errors())));
      rows.add(new JsonObject().put("restart", r.restart()).put("secondsUntilListening", r.secondsUntilListening()).put("secondsUntilAllBack", r.secondsUntilAllBack())
          .put("secondsUntilCaughtUp", r.secondsUntilCaughtUp()).put("streamsOpened", r.streamsOpened()).put("historyReadsFromCache", r.cacheReads())
          .put("historyReadsFromCore", r.coreReads()).put("presenceEvents", r.presenceEvents()).put("presenceMessages", r.presenceMessages())
          .put("secondsUntilPresenceSettled", r.secondsUntilPresenceSettled()).put("errors", String.join("; ", r.errors())).put("errorSamples", String.join("; ", r.errorSamples())));
    }
    md.append("\nFailure counts add up over the restarts, as each load generator has seen them. What each kind of failure said, first seen:\n\n");
    for (Result r : results) {
      md.append("- ").append(r.restart()).append(": ").append(String.join("; ", r.errorSamples())).append('\n');
    }
    return new ScenarioResult("reconnect", md.toString(), new JsonObject().put("devices", options.devices()).put("clients", options.clients()).put("gatewayEnv", options.gatewayEnv().toString()).putObjects("runs", rows));
  }
}
