package io.chatgateway.bench.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A process the harness started. Its standard output and error are read on a daemon thread: every
 * line goes to the listener given at start, and the last lines are kept for the message when the
 * process fails. {@link #close} kills it and waits; the harness closes every process it starts.
 *
 * <p>Thread-safe: the listener runs on the reader thread; the other methods may be called from any.
 */
public final class ChildProcess implements AutoCloseable {

  private static final int KEPT_LINES = 40;

  private final String name;
  private final Process process;
  private final Deque<String> lastLines = new ArrayDeque<>();

  private ChildProcess(String name, Process process, Consumer<String> listener) {
    this.name = name;
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader output =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = output.readLine()) != null) {
                  synchronized (lastLines) {
                    if (lastLines.size() == KEPT_LINES) {
                      lastLines.removeFirst();
                    }
                    lastLines.addLast(line);
                  }
                  listener.accept(line);
                }
              } catch (IOException ended) {
                // The process is gone; close() or the caller's checks report it.
              }
            },
            name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} with {@code env} added to this process's environment. */
  public static ChildProcess start(String name, List<String> command, Map<String, String> env, Consumer<String> listener) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    try {
      return new ChildProcess(name, builder.start(), listener);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /**
   * Starts a JVM with the harness's own class path running {@code mainClass}: the load generators and
   * the bare grpc-java reference live in the benchmark jar.
   */
  public static ChildProcess startJava(
      String name, List<String> jvmFlags, String mainClass, List<String> args, Map<String, String> env, Consumer<String> listener) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    return start(name, command, env, listener);
  }

  /** Starts {@code java -jar jar args}. */
  public static ChildProcess startJar(
      String name, List<String> jvmFlags, Path jar, List<String> args, Map<String, String> env, Consumer<String> listener) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.addAll(jvmFlags);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    return start(name, command, env, listener);
  }

  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String name() {
    return name;
  }

  /** Writes one line to the process's standard input. */
  public void sendLine(String line) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(name + " does not take input: " + describe(), e);
    }
  }

  /** Waits until something accepts TCP connections on {@code port}, failing early if the process exits. */
  public void awaitPort(int port, Duration timeout) {
    awaitCondition("port " + port + " to listen", timeout, () -> {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return true;
      } catch (IOException notYet) {
        return false;
      }
    });
  }

  /** Polls {@code condition} until it holds, failing if the process exits or the time passes. */
  public void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " while waiting for " + what + ": " + describe());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + ": no " + what + " within " + timeout.toSeconds() + " s: " + describe());
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  /** Sends SIGTERM and waits up to {@code timeout} for the process to exit; true if it did. */
  public boolean terminate(Duration timeout) {
    process.destroy();
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Sends SIGKILL and waits for the process to be gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines the process printed, for error messages. */
  public String describe() {
    synchronized (lastLines) {
      return "last output of " + name + ":\n  " + String.join("\n  ", lastLines);
    }
  }

  @Override
  public void close() {
    kill();
  }

  /**
   * A TCP port that is free now and lies below the kernel's ephemeral range, so that no client socket
   * of the load generators (which bind to ephemeral ports) can take it while a server restarts.
   */
  public static int freePort() {
    int low = 32_768;
    try {
      String range = ProcessProbe.readProcFile(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      low = Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException unknown) {
      // Not Linux, or unreadable: assume the usual range.
    }
    int from = Math.max(1_024, low - 12_000);
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = from + random.nextInt(Math.max(1, low - from));
      try (ServerSocket socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // Try another.
      }
    }
    throw new IllegalStateException("no free TCP port below the ephemeral range starting at " + low);
  }
}
