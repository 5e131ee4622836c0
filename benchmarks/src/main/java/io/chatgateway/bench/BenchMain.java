package io.chatgateway.bench;

import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.Machine;
import io.chatgateway.bench.report.ScenarioResult;
import io.chatgateway.bench.scenario.Fanout;
import io.chatgateway.bench.scenario.FollowMemory;
import io.chatgateway.bench.scenario.ForwardingOverhead;
import io.chatgateway.bench.scenario.IdleCapacity;
import io.chatgateway.bench.scenario.ReconnectStorm;
import io.chatgateway.bench.scenario.SlowConsumers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import io.chatgateway.bench.loadgen.WebSocketFleet;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The harness's command line: {@code quick} or {@code full} runs every scenario at that size; a
 * scenario's name runs that one, with its parameters as {@code --name value} options. Results go to
 * {@code --out} (default {@code bench/results}) as {@code <run>.md}, {@code <run>.json} and PNG charts,
 * each with the machine they were measured on. See the README's "Benchmarks" section.
 */
public final class BenchMain {

  static final String USAGE = """
      usage: bench/run.sh quick|full [--out DIR] [--jar GATEWAY_JAR]
             bench/run.sh idle        [--steps 1000,3000] [--ws-steps 1000,2000]
             bench/run.sh fanout      [--rooms 10] [--subscribers 50] [--publishers 4] [--window 32] [--warmup 2] [--measure 3] [--write-delays 1,2,5] [--websocket json,binary|none] [--jit-settle 90] [--pairs 3]
             bench/run.sh forwarding  [--calls 10000] [--concurrency 32] [--rounds 3]
             bench/run.sh reconnect   [--devices 1000] [--restart kill|drain|kill-no-cache] [--clients raw|library] [--gateway-env K=V,K=V]
             bench/run.sh follow      [--devices 20] [--rooms 1000]
             bench/run.sh slow        [--rooms 10] [--subscribers 50] [--slow-percent 10] [--rate 400] [--warmup 5] [--measure 3]
      Defaults shown are quick's; full runs larger ones. Durations are seconds. Every command also takes --out DIR and --jar GATEWAY_JAR.""";

  private static final Set<String> SCENARIOS = Set.of("idle", "fanout", "forwarding", "reconnect", "follow", "slow");

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("quick") || args[0].equals("full") || SCENARIOS.contains(args[0]))) {
      System.err.println(USAGE);
      System.exit(2);
    }
    Map<String, String> options = options(args);
    if (!Set.of("raw", "library").contains(options.getOrDefault("clients", "raw"))) {
      System.err.println("--clients must be raw or library\n" + USAGE);
      System.exit(2);
    }
    try {
      framings(options.getOrDefault("websocket", "json,binary"));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n" + USAGE);
      System.exit(2);
    }
    List<ScenarioResult> results = run(args[0], options, System.err::println);
    Path out = Path.of(options.getOrDefault("out", "bench/results"));
    write(out, args[0], String.join(" ", args), results);
    System.err.println("results written to " + out.resolve(args[0] + ".md") + " and " + out.resolve(args[0] + ".json"));
  }

  /** Runs {@code command} ({@code quick}, {@code full} or one scenario) and returns what each scenario reported. */
  public static List<ScenarioResult> run(String command, Map<String, String> options, Consumer<String> progress) throws Exception {
    boolean full = command.equals("full");
    boolean all = full || command.equals("quick");
    Path jar = Path.of(options.getOrDefault("jar", "gateway-server/target/chat-gateway.jar"));
    Path out = Path.of(options.getOrDefault("out", "bench/results"));
    Files.createDirectories(out);
    List<ScenarioResult> results = new ArrayList<>();
    if (all || command.equals("idle")) {
      results.add(IdleCapacity.run(
          new IdleCapacity.Options(
              ints(options.getOrDefault("steps", full ? "2000,5000,10000,19000" : "1000,3000")),
              ints(options.getOrDefault("ws-steps", full ? "2000,5000,10000" : "1000,2000")),
              jar, out),
          progress));
    }
    if (all || command.equals("fanout")) {
      results.add(Fanout.run(
          new Fanout.Options(
              integer(options, "rooms", full ? 20 : 10),
              integer(options, "subscribers", full ? 100 : 50),
              integer(options, "publishers", 4),
              integer(options, "window", 32),
              seconds(options, "warmup", full ? 5 : 2),
              seconds(options, "measure", full ? 15 : 3),
              options.containsKey("write-delays") ? ints(options.get("write-delays")) : full ? List.of(1, 2, 5) : List.of(),
              framings(options.getOrDefault("websocket", "json,binary")),
              seconds(options, "jit-settle", 90),
              // Alternated windows take about two minutes more: in the full run and a fan-out run of
              // its own, not in quick's quarter of an hour.
              integer(options, "pairs", command.equals("quick") ? 0 : 3),
              jar, out),
          progress));
    }
    if (all || command.equals("forwarding")) {
      ForwardingOverhead.Options forwarding =
          new ForwardingOverhead.Options(
              integer(options, "calls", full ? 20_000 : 10_000), integer(options, "concurrency", 32), integer(options, "rounds", full ? 5 : 3), 50);
      results.add(ForwardingOverhead.report(forwarding, ForwardingOverhead.run(forwarding, progress)));
    }
    if (all || command.equals("reconnect")) {
      results.add(ReconnectStorm.run(
          new ReconnectStorm.Options(
              integer(options, "devices", full ? 10_000 : 1_000),
              options.containsKey("restart") ? List.of(options.get("restart")) : List.of("kill", "drain", "kill-no-cache"),
              options.getOrDefault("clients", "raw"),
              environment(options.getOrDefault("gateway-env", "")),
              jar),
          progress));
    }
    if (all || command.equals("follow")) {
      results.add(FollowMemory.run(
          new FollowMemory.Options(integer(options, "devices", full ? 50 : 20), integer(options, "rooms", full ? 2_000 : 1_000), jar),
          progress));
    }
    if (all || command.equals("slow")) {
      results.add(SlowConsumers.run(
          new SlowConsumers.Options(
              integer(options, "rooms", full ? 20 : 10),
              integer(options, "subscribers", full ? 100 : 50),
              integer(options, "slow-percent", 10),
              integer(options, "rate", full ? 600 : 400),
              seconds(options, "warmup", full ? 8 : 5),
              seconds(options, "measure", full ? 20 : 3),
              jar),
          progress));
    }
    return results;
  }

  /** {@code K=V,K=V} as a map, in order; empty for an empty text. */
  static Map<String, String> environment(String pairs) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (String pair : pairs.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int equals = pair.indexOf('=');
      if (equals <= 0) {
        throw new IllegalArgumentException("--gateway-env takes K=V pairs separated by commas, not " + pair);
      }
      env.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
    }
    return env;
  }

  static void write(Path dir, String run, String command, List<ScenarioResult> results) throws IOException {
    StringBuilder md = new StringBuilder("# chat-gateway benchmark: ").append(run).append("\n\n")
        .append("Command: `bench/run.sh ").append(command).append("`\n\n")
        .append("Machine: ").append(Machine.markdown()).append("\n\n");
    JsonObject scenarios = new JsonObject();
    for (ScenarioResult result : results) {
      md.append(result.markdown()).append("\n");
      scenarios.put(result.name(), result.json());
    }
    JsonObject json = new JsonObject().put("run", run).put("command", command).put("machine", Machine.json()).put("scenarios", scenarios);
    Files.createDirectories(dir);
    String markdown = md.toString();
    // Scenarios write their charts and histograms under fixed names; each run keeps its own, so a
    // quick run does not replace the charts a full run's table shows.
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.equals("idle-memory-per-connection.png") || name.equals("fanout-latency.png") || name.startsWith("idle-histogram-")) {
          Files.move(file, dir.resolve(run + "-" + name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          markdown = markdown.replace("](" + name + ")", "](" + run + "-" + name + ")");
        }
      }
    }
    Files.writeString(dir.resolve(run + ".md"), markdown, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(run + ".json"), json + "\n", StandardCharsets.UTF_8);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 1; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        System.err.println("expected --name value pairs, got " + args[i] + "\n" + USAGE);
        System.exit(2);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }

  private static int integer(Map<String, String> options, String name, int fallback) {
    return options.containsKey(name) ? Integer.parseInt(options.get(name)) : fallback;
  }

  private static Duration seconds(Map<String, String> options, String name, int fallback) {
    return Duration.ofSeconds(integer(options, name, fallback));
  }

  /** WebSocket framings from {@code json,binary}; {@code none} for none. */
  private static List<WebSocketFleet.Framing> framings(String csv) {
    if (csv.isBlank() || csv.equals("none")) {
      return List.of();
    }
    return Arrays.stream(csv.split(",")).map(String::trim).map(name -> switch (name) {
      case "json" -> WebSocketFleet.Framing.JSON;
      case "binary" -> WebSocketFleet.Framing.BINARY;
      default -> throw new IllegalArgumentException("--websocket takes json, binary or none, not " + name);
    }).toList();
  }

  private static List<Integer> ints(String csv) {
    return csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
  }
}
