package io.chatgateway.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import io.chatgateway.gateway.testing.NodeScripts;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The browser device client's state machine ({@code /client/chat-client.js}, served by the HTTP
 * port) under node's test runner: fake timers and a scripted gateway (WebSocket and GetHistory)
 * check gap fill and its bound, de-duplication, outbox replay with the same ids, drain hints, no
 * reconnect when replaced or when no token helps, and heartbeats ({@code
 * src/test/browser/chat-client.test.mjs}). Skipped, saying so, where Node.js is not installed.
 */
class BrowserClientScriptTest {

  @Test
  void theBrowserClientsStateMachineBehaves() throws Exception {
    String node = NodeScripts.onPath("node");
    if (node == null) {
      String reason = "browser client script test skipped: node (Node.js) is not installed";
      System.out.println(reason);
      Assumptions.abort(reason);
    }
    ProcessBuilder builder = new ProcessBuilder(node, "--test", "src/test/browser/chat-client.test.mjs").redirectErrorStream(true);
    builder.environment().put("CHAT_CLIENT_JS", Path.of("src/main/resources/web/client/chat-client.js").toAbsolutePath().toString());
    Process run = builder.start();
    run.getOutputStream().close();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(run.waitFor(2, TimeUnit.MINUTES), "node --test did not finish");
    assertEquals(0, run.exitValue(), output);
    assertTrue(output.contains("# pass 7") && output.contains("# fail 0"), output);
  }
}
