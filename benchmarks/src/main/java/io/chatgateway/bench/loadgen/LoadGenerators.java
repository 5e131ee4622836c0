package io.chatgateway.bench.loadgen;

import io.chatgateway.bench.process.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The harness's side of several {@link LoadGenMain} processes that together hold a fleet of devices.
 * Each process takes at most {@link #PER_PROCESS} devices and its own source address 127.0.0.(10+k),
 * so no process passes the open-file limit and no source address runs out of ports.
 */
public final class LoadGenerators implements AutoCloseable {

  /** Devices per load-generator process: well under the 20,000 open files a process may have here. */
  public static final int PER_PROCESS = 10_000;

  private static final Pattern PROGRESS =
      Pattern.compile("progress subscribed=(\\d+) opened=(\\d+) errors=(\\d+) caughtup=(\\d+) presence=(\\d+) presencemessages=(\\d+)");

  private final List<ChildProcess> processes = new ArrayList<>();
  private final AtomicLongArray subscribed;
  private final AtomicLongArray opened;
  private final AtomicLongArray errors;
  private final AtomicLongArray caughtUp;
  private final AtomicLongArray presenceEvents;
  private final AtomicLongArray presenceMessages;
  private final List<String> errorReports = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> errorSamples = new java.util.concurrent.CopyOnWriteArrayList<>();

  private LoadGenerators(int count) {
    subscribed = new AtomicLongArray(count);
    opened = new AtomicLongArray(count);
    errors = new AtomicLongArray(count);
    caughtUp = new AtomicLongArray(count);
    presenceEvents = new AtomicLongArray(count);
    presenceMessages = new AtomicLongArray(count);
  }

  /**
   * Starts processes that together open devices {@code first .. first+count-1} against {@code port}.
   *
   * @param transport how the devices connect; {@code port} is the gateway's port for it
   */
  public static LoadGenerators start(DeviceTransport transport, int port, int first, int count, int roomSize, boolean reconnect) {
    return start(transport, port, first, count, roomSize, reconnect, false);
  }

  /** As above; with {@code resume}, devices come back with their resume token and positions. */
  public static LoadGenerators start(DeviceTransport transport, int port, int first, int count, int roomSize, boolean reconnect, boolean resume) {
    int processCount = Math.max(1, (count + PER_PROCESS - 1) / PER_PROCESS);
    LoadGenerators generators = new LoadGenerators(processCount);
    for (int k = 0; k < processCount; k++) {
      int from = first + k * PER_PROCESS;
      int n = Math.min(PER_PROCESS, first + count - from);
      int index = k;
      generators.processes.add(
          ChildProcess.startJava(
              "loadgen-" + k,
              List.of("-Xmx3g", "-XX:+UseParallelGC"),
              LoadGenMain.class.getName(),
              List.of("--transport", transport.flag(), "--port", Integer.toString(port), "--source", "127.0.0." + (10 + k),
                  "--first", Integer.toString(from), "--count", Integer.toString(n), "--room-size", Integer.toString(roomSize),
                  "--reconnect", Boolean.toString(reconnect), "--resume", Boolean.toString(resume)),
              Map.of(),
              line -> generators.onLine(index, line)));
    }
    return generators;
  }

  private void onLine(int index, String line) {
    Matcher progress = PROGRESS.matcher(line);
    if (progress.matches()) {
      subscribed.set(index, Long.parseLong(progress.group(1)));
      opened.set(index, Long.parseLong(progress.group(2)));
      errors.set(index, Long.parseLong(progress.group(3)));
      caughtUp.set(index, Long.parseLong(progress.group(4)));
      presenceEvents.set(index, Long.parseLong(progress.group(5)));
      presenceMessages.set(index, Long.parseLong(progress.group(6)));
    } else if (line.startsWith("error-samples ")) {
      errorSamples.add(line.substring("error-samples ".length()));
    } else if (line.startsWith("errors ")) {
      errorReports.add(line.substring("errors ".length()));
    }
  }

  /** Devices subscribed right now, over all processes (as of their last report, at most 250 ms old). */
  public long subscribed() {
    return sum(subscribed);
  }

  public long opened() {
    return sum(opened);
  }

  public long errors() {
    return sum(errors);
  }

  /** Presence events the devices received so far (gRPC devices; as of the last reports). */
  public long presenceEvents() {
    return sum(presenceEvents);
  }

  /** Messages that carried those presence events. */
  public long presenceMessages() {
    return sum(presenceMessages);
  }

  /** Tells every process that a device of {@code room} is caught up once it holds {@code sequence}. */
  public void target(String room, long sequence) {
    processes.forEach(p -> p.sendLine("target " + room + " " + sequence));
  }

  /** Waits until {@code target} devices are caught up with the {@link #target}s, failing if a process dies or time runs out. */
  public void awaitCaughtUp(long target, Duration timeout) {
    processes.get(0).awaitCondition(target + " caught-up devices (" + sum(caughtUp) + " so far)", timeout, () -> {
      for (ChildProcess process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException(process.name() + " died: " + process.describe());
        }
      }
      return sum(caughtUp) >= target;
    });
  }

  /** Waits until {@code target} devices are subscribed, failing if a process dies or time runs out. */
  public void awaitSubscribed(long target, Duration timeout) {
    processes.get(0).awaitCondition(target + " subscribed devices (" + subscribed() + " so far, errors " + errors() + ")", timeout, () -> {
      for (ChildProcess process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException(process.name() + " died: " + process.describe());
        }
      }
      return subscribed() >= target;
    });
  }

  /**
   * Waits until every one of {@code target} devices has either subscribed or failed, failing only if a
   * process dies or time runs out. Returns the number subscribed.
   */
  public long awaitSettled(long target, Duration timeout) {
    processes.get(0).awaitCondition(target + " devices subscribed or failed (" + subscribed() + " subscribed so far, errors " + errors() + ")", timeout, () -> {
      for (ChildProcess process : processes) {
        if (!process.isAlive()) {
          throw new IllegalStateException(process.name() + " died: " + process.describe());
        }
      }
      return subscribed() + errors() >= target;
    });
    return subscribed();
  }

  /** Each process's failures by code, asked for now. */
  public List<String> errorReports(Duration timeout) {
    errorReports.clear();
    errorSamples.clear();
    processes.forEach(p -> p.sendLine("errors"));
    processes.get(0).awaitCondition("error reports", timeout, () -> errorReports.size() >= processes.size());
    return List.copyOf(errorReports);
  }

  /**
   * Each process's first description of every kind of failure it has seen, as of its last error
   * report ({@link #errorReports}); printed once per report line, so a report can say what failed.
   */
  public List<String> errorSamples() {
    return List.copyOf(errorSamples);
  }

  /** Process ids, for measuring the generators themselves. */
  public List<Long> pids() {
    return processes.stream().map(ChildProcess::pid).toList();
  }

  private static long sum(AtomicLongArray values) {
    long total = 0;
    for (int i = 0; i < values.length(); i++) {
      total += values.get(i);
    }
    return total;
  }

  @Override
  public void close() {
    for (ChildProcess process : processes) {
      if (process.isAlive()) {
        try {
          process.sendLine("stop");
        } catch (RuntimeException gone) {
          // Already exiting.
        }
        if (!process.terminate(Duration.ofSeconds(10))) {
          process.kill();
        }
      }
    }
  }
}
