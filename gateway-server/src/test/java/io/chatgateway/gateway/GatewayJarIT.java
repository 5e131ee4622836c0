package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.testing.JarProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, started the way the README starts it (no configuration at all besides ports and
 * where to keep the dev secret), answers the bundled demo client, and stops on SIGTERM.
 */
class GatewayJarIT {

  @TempDir Path home;

  @Test
  void theJarServesTheDemoInDevelopmentModeAndStopsOnSigterm() throws Exception {
    int port = JarProcess.freePort();
    String secret = home.resolve("dev-secret").toString();
    try (JarProcess gateway =
        JarProcess.start(Map.of("GRPC_PORT", Integer.toString(port), "HTTP_PORT", Integer.toString(JarProcess.freePort()), "DEV_SECRET_FILE", secret))) {
      gateway.awaitOutput("listening for gRPC on port " + port, Duration.ofSeconds(60));
      assertTrue(gateway.output().contains("DEVELOPMENT MODE"), gateway.output());

      try (JarProcess demo = JarProcess.start(Map.of("DEV_SECRET_FILE", secret), "demo", "--target", "localhost:" + port)) {
        assertEquals(0, demo.awaitExit(Duration.ofSeconds(60)), demo.output());
        assertTrue(demo.output().contains("bob received live: #1 alice: hello from alice"), demo.output());
      }
      gateway.terminate();
      gateway.awaitExit(Duration.ofSeconds(30));
      assertTrue(gateway.output().contains("shutting down"), gateway.output());
    }
  }

  @Test
  void aBadVariableStopsStartUpWithItsName() throws Exception {
    try (JarProcess gateway = JarProcess.start(Map.of("GRPC_PORT", "not-a-port"))) {
      assertEquals(2, gateway.awaitExit(Duration.ofSeconds(60)), gateway.output());
      assertTrue(gateway.output().contains("GRPC_PORT"), gateway.output());
    }
  }
}
