package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, started the way the README starts it (no configuration at all besides a port and
 * where to keep the dev secret), answers the bundled demo client, and stops on SIGTERM.
 */
class GatewayJarIT {

  @TempDir Path home;

  @Test
  void theJarServesTheDemoInDevelopmentModeAndStopsOnSigterm() throws Exception {
    Path jar = Path.of(System.getProperty("gateway.jar"));
    assertTrue(Files.isRegularFile(jar), "packaged jar at " + jar);
    int port = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder gatewayCommand = new ProcessBuilder(java, "-jar", jar.toString()).redirectErrorStream(true);
    gatewayCommand.environment().put("GRPC_PORT", Integer.toString(port));
    gatewayCommand.environment().put("HTTP_PORT", Integer.toString(freePort()));
    gatewayCommand.environment().put("DEV_SECRET_FILE", home.resolve("dev-secret").toString());
    gatewayCommand.environment().remove("CHAT_SERVICE_URI");
    gatewayCommand.environment().remove("JWT_HMAC_SECRET");
    gatewayCommand.environment().remove("OAUTH2_JWKS_URI");
    Process gateway = gatewayCommand.start();
    StringBuffer log = new StringBuffer();
    Thread reader = drain(gateway, log);
    try {
      Await.until(Duration.ofSeconds(60), () -> log.toString().contains("listening for gRPC on port " + port), () -> "gateway start; log:\n" + log);
      assertTrue(log.toString().contains("DEVELOPMENT MODE"), log.toString());

      ProcessBuilder demoCommand = new ProcessBuilder(java, "-jar", jar.toString(), "demo", "--target", "localhost:" + port).redirectErrorStream(true);
      demoCommand.environment().put("DEV_SECRET_FILE", home.resolve("dev-secret").toString());
      Process demo = demoCommand.start();
      StringBuffer demoOut = new StringBuffer();
      Thread demoReader = drain(demo, demoOut);
      assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "demo finished");
      demoReader.join(5_000);
      assertEquals(0, demo.exitValue(), demoOut.toString());
      assertTrue(demoOut.toString().contains("bob received live: #1 alice: hello from alice"), demoOut.toString());
    } finally {
      // SIGTERM through the handle: Process.destroy() would also close our end of its output pipe.
      gateway.toHandle().destroy();
    }
    assertTrue(gateway.waitFor(30, TimeUnit.SECONDS), "gateway exits on SIGTERM; log:\n" + log);
    reader.join(5_000);
    assertTrue(log.toString().contains("shutting down"), "exit " + gateway.exitValue() + "; log:\n" + log);
  }

  @Test
  void aBadVariableStopsStartUpWithItsName() throws Exception {
    Path jar = Path.of(System.getProperty("gateway.jar"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder command = new ProcessBuilder(java, "-jar", jar.toString()).redirectErrorStream(true);
    command.environment().put("GRPC_PORT", "not-a-port");
    Process process = command.start();
    StringBuffer out = new StringBuffer();
    Thread reader = drain(process, out);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    reader.join(5_000);
    assertEquals(2, process.exitValue(), out.toString());
    assertTrue(out.toString().contains("GRPC_PORT"), out.toString());
  }

  private static Thread drain(Process process, StringBuffer into) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  into.append(line).append('\n');
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
