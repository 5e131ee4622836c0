package io.chatgateway.gateway.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a port of its own: the binary on PATH, or where there is
 * none, the one the embedded-redis artifact ships (Redis 6.2), so the suite runs on a machine with
 * only a JDK. It can be stopped and started again on the same port, to test outages.
 */
public final class RedisProcess implements AutoCloseable {

  private static Path binary;

  private final int port;
  private final List<String> args;
  private final Path dir;
  private Process process;

  private RedisProcess(int port, List<String> extraArgs, Path dir) {
    this.port = port;
    this.dir = dir;
    List<String> all = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    all.addAll(extraArgs);
    this.args = all;
  }

  public static RedisProcess start(List<String> extraArgs) throws IOException {
    RedisProcess redis = new RedisProcess(freePort(), extraArgs, Files.createTempDirectory("redis-test"));
    redis.startProcess();
    return redis;
  }

  /** The redis-server to run, and where it came from. */
  public static synchronized Path binary() throws IOException {
    if (binary == null) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        File candidate = new File(dir, "redis-server");
        if (candidate.canExecute()) {
          binary = candidate.toPath();
          return binary;
        }
      }
      binary = ExecutableProvider.newJarResourceProvider().get().toPath();
      binary.toFile().setExecutable(true);
      System.out.println("redis-server is not on PATH; using the binary from the embedded-redis artifact: " + binary);
    }
    return binary;
  }

  private void startProcess() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(binary().toString());
    command.addAll(args);
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    Await.until(Duration.ofSeconds(15), this::answersPing, () -> "redis-server on port " + port + " to answer PING; log: " + log());
  }

  private boolean answersPing() {
    if (!process.isAlive()) {
      throw new AssertionError("redis-server exited: " + log());
    }
    try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        StatefulRedisConnection<String, String> connection = client.connect()) {
      return "PONG".equals(connection.sync().ping());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("redis.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** The server's version, such as 7.0.15. */
  public String version() {
    try (RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().info("server").lines().filter(l -> l.startsWith("redis_version:")).findFirst().orElse("redis_version:0").substring(14).trim();
    }
  }

  /** Stops the server abruptly, as a crash would. */
  public void stop() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Starts it again on the same port, empty. */
  public void restart() throws IOException {
    startProcess();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
