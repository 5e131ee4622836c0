package io.chatgateway.gateway.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Node.js scripts of a folder under {@code src/test} with the npm packages its {@code package.json}
 * pins, installed into a folder under {@code target}: real JavaScript clients (connect-es) and
 * playwright-core driving headless Chromium ({@link #playwright()}). Where Node.js (or, for
 * Playwright, Chromium) is missing the calling test is skipped and says why; {@code .ci/run}
 * installs Chromium.
 */
public final class NodeScripts {

  private final Path work;
  private final String node;

  private NodeScripts(Path work, String node) {
    this.work = work;
    this.node = node;
  }

  /**
   * The scripts of {@code src/test/browser} (playwright-core driving Debian's Chromium), ready in
   * {@code target/browser}.
   */
  public static NodeScripts playwright() throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
    requireOrSkip(new File(chromium).canExecute(), "Chromium not found at " + chromium + " (install Debian's 'chromium' package, as .ci/run does)");
    return prepare("browser", "the browser is driven by playwright-core");
  }

  /**
   * Checks for Node.js, copies the scripts of {@code src/test/<folder>} to {@code target/<folder>}
   * and installs their packages there.
   *
   * @param why what needs Node.js, said when the test is skipped without it
   */
  public static NodeScripts prepare(String folder, String why) throws Exception {
    String node = onPath("node");
    String npm = onPath("npm");
    requireOrSkip(node != null && npm != null, "Node.js/npm not on PATH: " + why);
    Path work = Path.of("target", folder).toAbsolutePath();
    Files.createDirectories(work);
    try (var scripts = Files.list(Path.of("src", "test", folder))) {
      for (Path script : scripts.toList()) {
        Files.copy(script, work.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    NodeScripts scripts = new NodeScripts(work, node);
    scripts.start(npm, "install", "--no-audit", "--no-fund", "--loglevel=error").awaitSuccess(300);
    return scripts;
  }

  /** Where scripts run and screenshots land. */
  public Path work() {
    return work;
  }

  /** Starts {@code node script args...}; its stdin stays open for the test to talk to the script. */
  public Run node(String script, String... args) throws IOException {
    List<String> command = new java.util.ArrayList<>(List.of(node, script));
    command.addAll(List.of(args));
    return start(command.toArray(String[]::new));
  }

  private Run start(String... command) throws IOException {
    // Output goes to a file, so a chatty script never blocks on a full pipe.
    Path log = Files.createTempFile(work, "run", ".log");
    Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Run(String.join(" ", command), process, log);
  }

  /** A running script. */
  public static final class Run {
    private final String command;
    private final Process process;
    private final Path log;

    private Run(String command, Process process, Path log) {
      this.command = command;
      this.process = process;
      this.log = log;
    }

    /** Everything it printed so far. */
    public String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Waits until it printed {@code text}; fails with its output if it ends or the time runs out first. */
    public void awaitOutput(String text, java.time.Duration timeout) {
      Await.until(timeout, () -> {
        try {
          return output().contains(text) || !process.isAlive();
        } catch (IOException e) {
          return false;
        }
      }, () -> command + " printing '" + text + "'");
      try {
        assertTrue(output().contains(text), command + " ended before printing '" + text + "':\n" + output());
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    /** Writes a line to its stdin. */
    public void tell(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Waits for it to exit 0 within {@code timeoutSeconds}; returns its output. */
    public String awaitSuccess(int timeoutSeconds) throws Exception {
      process.getOutputStream().close();
      boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!finished) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      assertTrue(finished, command + " did not finish in " + timeoutSeconds + " s:\n" + output());
      assertEquals(0, process.exitValue(), command + " failed:\n" + output());
      return output();
    }

    /** Stops it if it still runs. */
    public void kill() {
      process.destroyForcibly();
    }
  }

  private static void requireOrSkip(boolean present, String reason) {
    if (!present) {
      System.out.println("test skipped: " + reason);
      Assumptions.abort(reason);
    }
  }

  /** The absolute path of the executable {@code name} on PATH, or null. */
  public static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    return null;
  }
}
