package io.chatgateway.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.bench.process.ProcessProbe;
import io.chatgateway.bench.report.ScenarioResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every scenario of the harness at a tiny size against the packaged gateway, so the harness
 * cannot rot: processes start and stop, devices connect, results, JSON and charts are written. It
 * asserts what was run and that nothing failed, never how fast.
 */
class HarnessSmokeTest {

  /** The gateway jar the reactor built before this module's tests (package runs before them). */
  private static final Path GATEWAY_JAR = Path.of("..", "gateway-server", "target", "chat-gateway.jar");

  @Test
  void everyScenarioRunsAtATinySizeAndWritesItsResults(@TempDir Path out) throws Exception {
    assertTrue(Files.isRegularFile(GATEWAY_JAR), "the gateway jar must be built first: " + GATEWAY_JAR.toAbsolutePath());
    Map<String, String> tiny = Map.ofEntries(
        Map.entry("jar", GATEWAY_JAR.toString()),
        Map.entry("out", out.toString()),
        Map.entry("steps", "40,80"),
        Map.entry("ws-steps", "30"),
        Map.entry("rooms", "2"),
        Map.entry("subscribers", "5"),
        Map.entry("publishers", "2"),
        Map.entry("window", "4"),
        Map.entry("warmup", "1"),
        Map.entry("measure", "1"),
        // One settling window per fan-out target: the JIT counters are read, not waited for.
        Map.entry("jit-settle", "1"),
        Map.entry("pairs", "1"),
        Map.entry("calls", "40"),
        Map.entry("concurrency", "4"),
        Map.entry("rounds", "1"),
        Map.entry("devices", "30"),
        Map.entry("rate", "100"),
        Map.entry("slow-percent", "20"));
    List<ScenarioResult> results = BenchMain.run("quick", tiny, message -> {});
    BenchMain.write(out, "smoke", "smoke", results);

    Map<String, ScenarioResult> byName = results.stream().collect(Collectors.toMap(ScenarioResult::name, Function.identity()));
    assertEquals(List.of("idle", "fanout", "forwarding", "reconnect", "follow", "slow"), results.stream().map(ScenarioResult::name).toList());

    String idle = byName.get("idle").markdown();
    assertTrue(idle.contains("gateway, gRPC") && idle.contains("bare grpc-java") && idle.contains("gateway, WebSocket |")
        && idle.contains("gateway, WebSocket, token in hello (browsers) |"), idle);
    assertTrue(byName.get("idle").json().toString().contains("\"jvmSlopeBytesPerConnection\""), idle);
    for (String row : idle.split("\n")) {
      String[] cells = row.split("\\|");
      if ((row.startsWith("| gateway") || row.startsWith("| bare")) && cells.length == 10) {
        // The per-step table's errors column: no device failed to connect.
        assertEquals("0", cells[4].trim(), row);
      }
    }

    String fanout = byName.get("fanout").json().toString();
    assertTrue(fanout.contains("\"system\": \"gateway\""), fanout);
    assertTrue(fanout.contains("\"system\": \"nats-server\"") || byName.get("fanout").markdown().contains("nats-server is not installed"), fanout);
    assertTrue(fanout.contains("\"system\": \"gateway + Redis\"") || byName.get("fanout").markdown().contains("redis-server is not installed"), fanout);
    assertTrue(fanout.contains("\"deliveriesPerSecond\""), fanout);
    // No run had an error, and every run delivered (the WebSocket JSON and binary clients included).
    assertFalse(Pattern.compile("\"errors\": [1-9]").matcher(fanout).find(), fanout);
    assertFalse(Pattern.compile("\"deliveriesPerSecond\": 0(\\.0)?[,\\s]").matcher(fanout).find(), fanout);
    // Every run counts the device writer's write system calls (a number, not null, on Linux).
    assertTrue(fanout.contains("\"writeSyscallsPerSecond\": ") && !fanout.contains("\"writeSyscallsPerSecond\": null") && fanout.contains("\"deliveriesPerWrite\""), fanout);
    // The gateway's gRPC subscribers also time each delivery from the core's stamp: present, and not negative.
    assertTrue(Pattern.compile("\"coreToDeviceP99Micros\": [0-9]").matcher(fanout).find(), fanout);
    assertFalse(fanout.contains("\"coreToDeviceP50Micros\": -"), fanout);
    assertTrue(fanout.contains("\"system\": \"gateway, WebSocket JSON\"") && fanout.contains("\"system\": \"gateway, WebSocket binary\""), fanout);
    assertTrue(fanout.contains("\"webSocketJsonToGrpcMaxDeliveries\"") && fanout.contains("\"webSocketBinaryToGrpcMaxDeliveries\""), fanout);
    assertTrue(Pattern.compile("\"serverCpuMicrosPerDelivery\": [0-9]").matcher(fanout).find() && fanout.contains("\"harnessCpuMicrosPerDelivery\""), fanout);
    assertTrue(fanout.contains("\"gatewayToNatsCpuPerDelivery\"") || byName.get("fanout").markdown().contains("nats-server is not installed"), fanout);
    assertTrue(fanout.contains("\"gatewayQuarterMaxP99Micros\"") || byName.get("fanout").markdown().contains("nats-server is not installed"), fanout);
    // The alternated pair: one gateway window and one NATS window, both servers up, and their ratio.
    assertTrue(fanout.contains("\"mode\": \"max rate, alternated 1/1\"") && fanout.contains("\"alternatedMaxRatioMedian\"")
        || byName.get("fanout").markdown().contains("nats-server is not installed"), fanout);

    String forwarding = byName.get("forwarding").markdown();
    assertTrue(forwarding.contains("gateway, pass-through") && forwarding.contains("vs direct"), forwarding);

    String reconnect = byName.get("reconnect").markdown();
    assertTrue(reconnect.contains("| kill |") && reconnect.contains("| drain |") || reconnect.contains("not installed"), reconnect);

    String follow = byName.get("follow").json().toString();
    assertTrue(follow.contains("\"bytesPerFollowedRoomPerSession\"") && follow.contains("\"rooms\": 2"), follow);

    String slow = byName.get("slow").json().toString();
    assertTrue(slow.contains("\"p99WithSlowMicros\"") && slow.contains("\"slowDevices\": 2"), slow);

    for (String file : List.of("smoke.md", "smoke.json", "smoke-idle-memory-per-connection.png", "smoke-fanout-latency.png")) {
      assertTrue(Files.size(out.resolve(file)) > 0, file);
    }
    assertTrue(Files.readString(out.resolve("smoke.md")).contains("open files per process at most " + ProcessProbe.openFilesHardLimit()));
  }
}
