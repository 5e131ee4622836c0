package io.chatgateway.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar chat-gateway-bench.jar forwarding [--calls N] [--concurrency C] [--rounds R]
 * [--out DIR]}: runs a scenario and writes a Markdown table and a JSON file under {@code DIR}
 * (default {@code bench/results}), with the machine the numbers came from.
 */
public final class BenchMain {

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !args[0].equals("forwarding")) {
      System.err.println("usage: forwarding [--calls N] [--concurrency C] [--rounds R] [--out DIR]");
      System.exit(2);
    }
    Map<String, String> options = options(args);
    ForwardingBenchmark.Options run =
        new ForwardingBenchmark.Options(
            Integer.parseInt(options.getOrDefault("calls", "20000")),
            Integer.parseInt(options.getOrDefault("concurrency", "32")),
            Integer.parseInt(options.getOrDefault("rounds", "5")),
            50);
    List<ForwardingBenchmark.Result> results = ForwardingBenchmark.run(run, System.err::println);
    Path out = Path.of(options.getOrDefault("out", "bench/results"));
    String markdown = forwardingMarkdown(run, results);
    System.out.print(markdown);
    write(out, "forwarding", markdown, forwardingJson(run, results));
  }

  static String machine() {
    return String.format(
        Locale.ROOT,
        "%d cores, %s %s, JVM flags %s, %s",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        Instant.now());
  }

  static String forwardingMarkdown(ForwardingBenchmark.Options run, List<ForwardingBenchmark.Result> results) {
    StringBuilder table =
        new StringBuilder("## Forwarding overhead\n\n")
            .append(String.format(Locale.ROOT, "%d calls per round x %d rounds, %d concurrent callers; machine: %s%n%n",
                run.callsPerRound(), run.rounds(), run.concurrency(), machine()))
            .append("| call | target | calls/s (median) | mean latency (us) | errors | vs direct |\n")
            .append("|---|---|---:|---:|---:|---:|\n");
    for (ForwardingBenchmark.Result r : results) {
      table.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %d | %.2f |%n",
          r.call(), r.target(), r.callsPerSecond(), r.meanLatencyMicros(), r.errors(), r.ratioToDirect()));
    }
    return table.toString();
  }

  static String forwardingJson(ForwardingBenchmark.Options run, List<ForwardingBenchmark.Result> results) {
    List<String> rows = new ArrayList<>();
    for (ForwardingBenchmark.Result r : results) {
      rows.add(String.format(Locale.ROOT,
          "{\"call\":\"%s\",\"target\":\"%s\",\"callsPerSecond\":%.1f,\"meanLatencyMicros\":%.1f,\"errors\":%d,\"ratioToDirect\":%.4f}",
          r.call(), r.target(), r.callsPerSecond(), r.meanLatencyMicros(), r.errors(), r.ratioToDirect()));
    }
    return String.format(Locale.ROOT,
        "{\"scenario\":\"forwarding\",\"machine\":\"%s\",\"callsPerRound\":%d,\"rounds\":%d,\"concurrency\":%d,\"results\":[%s]}%n",
        machine().replace("\"", "'"), run.callsPerRound(), run.rounds(), run.concurrency(), String.join(",", rows));
  }

  private static void write(Path dir, String name, String markdown, String json) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(name + ".md"), markdown, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(name + ".json"), json, StandardCharsets.UTF_8);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new java.util.HashMap<>();
    for (int i = 1; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
