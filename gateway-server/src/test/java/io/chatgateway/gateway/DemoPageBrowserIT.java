package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.gateway.testing.NodeScripts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo page in a real browser: headless Chromium driven by playwright-core ({@link Playwright})
 * opens the page as two users. One creates a room and the other joins it. Then typing, a message,
 * a read marker and a reply must travel both ways, through the browser device client the page is
 * built on. Screenshots land in target/browser/.
 */
class DemoPageBrowserIT {

  @TempDir Path home;

  @Test
  void twoUsersChatOnTheDemoPage() throws Exception {
    NodeScripts playwright = NodeScripts.playwright();
    Map<String, String> env = Map.of("GRPC_PORT", "0", "HTTP_PORT", "0", "DEV_SECRET_FILE", home.resolve("secret").toString());
    try (GatewayServer server = GatewayServer.start(GatewayConfig.fromEnvironment(env))) {
      String output = playwright.node("demo-two-users.mjs", "http://localhost:" + server.httpPort(), playwright.work().toString()).awaitSuccess(120);
      assertTrue(output.contains("BROWSER E2E OK"), output);
    }
    assertTrue(Files.size(playwright.work().resolve("bob.png")) > 0, "screenshot written");
  }
}
