package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.config.GatewayConfig;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo page in a real browser: headless Chromium (Debian's package) driven by playwright-core
 * opens the page as two users. One creates a room and the other joins it. Then typing, a message,
 * a read marker and a reply must travel both ways.
 *
 * <p>Needs /usr/bin/chromium (or CHROMIUM_PATH) and Node.js with npm; {@code .ci/run} installs
 * Chromium. Where either is missing, the test is skipped and prints why. Screenshots land in
 * target/browser-e2e/.
 */
class DemoPageBrowserIT {

  @TempDir Path home;

  @Test
  void twoUsersChatOnTheDemoPage() throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
    requireOrSkip(new File(chromium).canExecute(), "Chromium not found at " + chromium + " (install Debian's 'chromium' package, as .ci/run does)");
    String node = onPath("node");
    String npm = onPath("npm");
    requireOrSkip(node != null && npm != null, "Node.js/npm not on PATH: the browser is driven by playwright-core");

    Path work = Path.of("target", "browser-e2e").toAbsolutePath();
    Files.createDirectories(work);
    for (String file : List.of("package.json", "demo-two-users.mjs")) {
      Files.copy(Path.of("src", "test", "browser", file), work.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    run(work, 300, npm, "install", "--no-audit", "--no-fund", "--loglevel=error");

    Map<String, String> env = Map.of("GRPC_PORT", "0", "HTTP_PORT", "0", "DEV_SECRET_FILE", home.resolve("secret").toString());
    try (GatewayServer server = GatewayServer.start(GatewayConfig.fromEnvironment(env))) {
      String output = run(work, 120, node, "demo-two-users.mjs", "http://localhost:" + server.httpPort(), work.toString());
      assertTrue(output.contains("BROWSER E2E OK"), output);
    }
    assertTrue(Files.size(work.resolve("bob.png")) > 0, "screenshot written");
  }

  private static void requireOrSkip(boolean present, String reason) {
    if (!present) {
      System.out.println("DemoPageBrowserIT skipped: " + reason);
      Assumptions.abort(reason);
    }
  }

  private static String run(Path dir, int timeoutSeconds, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    process.getOutputStream().close();
    Path log = Files.createTempFile(dir, "run", ".log");
    Thread copier =
        new Thread(
            () -> {
              try {
                Files.copy(process.getInputStream(), log, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              } catch (java.io.IOException ignored) {
                // the process ended
              }
            });
    copier.start();
    boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    copier.join(10_000);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(finished, String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n" + output);
    assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
    return output;
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate.getAbsolutePath();
      }
    }
    return null;
  }
}
