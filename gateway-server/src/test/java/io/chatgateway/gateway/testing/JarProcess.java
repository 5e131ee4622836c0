package io.chatgateway.gateway.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged gateway jar run as a process of its own ({@code java -jar chat-gateway.jar ...}), as
 * the README runs it. Its output is collected so tests can wait for log lines.
 */
public final class JarProcess implements AutoCloseable {

  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Thread reader;

  private JarProcess(Process process) {
    this.process = process;
    this.reader =
        new Thread(
            () -> {
              try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  output.append(line).append('\n');
                }
              } catch (IOException ignored) {
                // the process ended
              }
            });
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code java -jar <gateway.jar> args...} with {@code env} added to a cleaned environment. */
  public static JarProcess start(Map<String, String> env, String... args) throws IOException {
    Path jar = Path.of(System.getProperty("gateway.jar", "target/chat-gateway.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("packaged jar missing at " + jar + " (run through 'mvnw verify')");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    for (String inherited : List.of("CHAT_SERVICE_URI", "JWT_HMAC_SECRET", "OAUTH2_JWKS_URI", "CACHE_URI", "GATEWAY_ID")) {
      builder.environment().remove(inherited);
    }
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    return new JarProcess(process);
  }

  /**
   * A gateway process on {@code grpcPort} (and a free HTTP port) with Redis at {@code cacheUri} and
   * the shared core on {@code corePort}, accepting {@link TestTokens}; returns once it listens.
   */
  public static JarProcess startGateway(String gatewayId, int grpcPort, String cacheUri, int corePort) throws IOException {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("GATEWAY_ID", gatewayId);
    env.put("GRPC_PORT", Integer.toString(grpcPort));
    env.put("HTTP_PORT", Integer.toString(freePort()));
    env.put("CACHE_URI", cacheUri);
    env.put("CHAT_SERVICE_URI", "localhost:" + corePort);
    env.put("JWT_HMAC_SECRET", TestTokens.SECRET);
    env.put("OAUTH2_ISSUER", TestTokens.ISSUER);
    env.put("GATEWAY_HEARTBEAT_SEC", "1");
    JarProcess gateway = start(env);
    gateway.awaitOutput("listening for gRPC on port " + grpcPort, Duration.ofSeconds(60));
    return gateway;
  }

  /** Waits for a line containing {@code text} in the output. */
  public void awaitOutput(String text, Duration timeout) {
    Await.until(timeout, () -> output.toString().contains(text) || !process.isAlive(), () -> "'" + text + "' in the output of the process; output:\n" + output);
    if (!output.toString().contains(text)) {
      throw new AssertionError("process exited before printing '" + text + "':\n" + output);
    }
  }

  public String output() {
    return output.toString();
  }

  /** SIGTERM, without closing our end of its output (Process.destroy() would). */
  public void terminate() {
    process.toHandle().destroy();
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  public void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Waits for the exit and returns the exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process did not exit within " + timeout + "; output:\n" + output);
    }
    reader.join(5_000);
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
