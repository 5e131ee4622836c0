package io.chatgateway.bench.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads another process's memory and CPU from outside: heap after a full GC and native memory by
 * {@code jcmd} (the JVM must run with {@code -XX:NativeMemoryTracking=summary}), resident set size
 * and CPU time from {@code /proc}. Used the same way for the gateway and for the references, so their
 * figures compare.
 */
public final class ProcessProbe {

  /** JVM flags every measured JVM runs with, so that {@link #memory} can read native memory. */
  public static final List<String> MEASURED_JVM_FLAGS = List.of("-XX:NativeMemoryTracking=summary", "-XX:+UseG1GC");

  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
  // Direct ByteBuffers and Unsafe allocations (Netty's buffers) are NMT's "Other" category.
  private static final Pattern NMT_OTHER = Pattern.compile("Other \\(reserved=\\d+KB, committed=(\\d+)KB\\)");
  private static final long CLOCK_TICKS_PER_SECOND = 100;
  private static final Pattern JIT_TICKS = Pattern.compile("java\\.ci\\.totalTime=(\\d+)");
  private static final Pattern TICK_FREQUENCY = Pattern.compile("sun\\.os\\.hrt\\.frequency=(\\d+)");

  /** Heap in use right after a full GC, native "Other" (direct buffers) committed, and RSS; bytes. */
  public record Memory(long heapAfterGcBytes, long directBytes, long rssBytes) {
    /** What the target counts: heap after GC plus direct memory. */
    public long jvmBytes() {
      return heapAfterGcBytes + directBytes;
    }
  }

  private ProcessProbe() {}

  /** Runs a full GC in {@code pid}, then reads its memory. Takes a second or two. */
  public static Memory memory(long pid) {
    jcmd(pid, "GC.run");
    Matcher used = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    if (!used.find()) {
      throw new IllegalStateException("cannot read heap use of " + pid);
    }
    String nmt = jcmd(pid, "VM.native_memory", "summary");
    Matcher other = NMT_OTHER.matcher(nmt);
    long directKb = other.find() ? Long.parseLong(other.group(1)) : 0;
    return new Memory(Long.parseLong(used.group(1)) * 1024, directKb * 1024, rssBytes(pid));
  }

  /** Resident set size of {@code pid}. */
  public static long rssBytes(long pid) {
    for (String line : procFile(pid, "status").split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  /** User plus system CPU time {@code pid} has used so far. */
  public static long cpuNanos(long pid) {
    String stat = procFile(pid, "stat");
    // Fields after the command name, which is in parentheses and may contain spaces.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return TimeUnit.SECONDS.toNanos(ticks) / CLOCK_TICKS_PER_SECOND;
  }

  /**
   * Write system calls ({@code write}, {@code writev}) {@code pid} has made so far, every thread of
   * it, from {@code /proc/<pid>/io}; empty where the kernel does not keep that count or does not let
   * this process read it. For a server that sends each socket write as one call, this counts its
   * socket writes (plus its few wake-up writes to event file descriptors): deliveries per write is
   * how much a server gathers per system call, which is what a delivery costs on loopback.
   */
  public static OptionalLong writeSyscalls(long pid) {
    String io;
    try {
      io = readProcFile(Path.of("/proc", Long.toString(pid), "io"));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    for (String line : io.split("\n")) {
      if (line.startsWith("syscw:")) {
        return OptionalLong.of(Long.parseLong(line.substring("syscw:".length()).trim()));
      }
    }
    return OptionalLong.empty();
  }

  /**
   * Waits until {@code pid} is quiet: less than 5% of a core used over half a second, so that what
   * a step set off (presence fan-out to the room, queued events) is done before memory is read. Gives
   * up after {@code atMost} and returns how long it waited either way.
   */
  public static Duration awaitQuiet(long pid, Duration atMost) {
    return awaitSlowGrowth(() -> cpuNanos(pid), TimeUnit.MILLISECONDS.toNanos(500), atMost);
  }

  /**
   * Time the JIT compilers of {@code pid} (a JVM) have spent compiling so far, from its performance
   * counters; for the current process, from its compilation bean.
   */
  public static long jitCompileNanos(long pid) {
    if (pid == ProcessHandle.current().pid()) {
      return TimeUnit.MILLISECONDS.toNanos(java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
    }
    String counters = jcmd(pid, "PerfCounter.print");
    Matcher ticks = JIT_TICKS.matcher(counters);
    Matcher frequency = TICK_FREQUENCY.matcher(counters);
    if (!ticks.find() || !frequency.find()) {
      throw new IllegalStateException("no JIT compile time in the performance counters of " + pid);
    }
    return (long) (Long.parseLong(ticks.group(1)) * (1e9 / Long.parseLong(frequency.group(1))));
  }

  /**
   * Waits, while load runs on other threads, until the JIT compilers of every JVM in {@code pids}
   * are settled: together they compiled for less than 5% of a two-second window. Until then a JVM
   * spends a core or more compiling (seen here: a third of the gateway's CPU ten seconds into a
   * fan-out run), which a server without a JIT never pays. Gives up after {@code atMost} and returns
   * how long it waited either way.
   */
  public static Duration awaitJitSettled(List<Long> pids, Duration atMost) {
    return awaitSlowGrowth(() -> pids.stream().mapToLong(ProcessProbe::jitCompileNanos).sum(), TimeUnit.SECONDS.toNanos(2), atMost);
  }

  /**
   * Waits until {@code nanosUsed} (CPU or compile time, in nanoseconds) grows by less than 5% of a
   * {@code windowNanos} window; gives up after {@code atMost}. Returns how long it waited.
   */
  private static Duration awaitSlowGrowth(LongSupplier nanosUsed, long windowNanos, Duration atMost) {
    long start = System.nanoTime();
    long deadline = start + atMost.toNanos();
    long used = nanosUsed.getAsLong();
    while (System.nanoTime() < deadline) {
      // A measurement window, not a wait for an outcome: what is used in it is the reading.
      java.util.concurrent.locks.LockSupport.parkNanos(windowNanos);
      long now = nanosUsed.getAsLong();
      boolean slow = now - used < windowNanos / 20;
      used = now;
      if (slow) {
        break;
      }
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** The largest number of open files a process may have here ({@code ulimit -Hn}). */
  public static long openFilesHardLimit() {
    for (String line : procFile(ProcessHandle.current().pid(), "limits").split("\n")) {
      if (line.startsWith("Max open files")) {
        String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
        return parts[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(parts[1]);
      }
    }
    throw new IllegalStateException("no open-file limit in /proc/self/limits");
  }

  /** A class histogram of {@code pid}'s live objects, for finding what a connection costs. */
  public static String classHistogram(long pid) {
    return jcmd(pid, "GC.class_histogram");
  }

  private static String procFile(long pid, String name) {
    try {
      return readProcFile(Path.of("/proc", Long.toString(pid), name));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/" + pid + "/" + name, e);
    }
  }

  /**
   * Reads a file under /proc to its end. Not {@link Files#readString}: /proc files report a size of
   * 0, and some of them then come back cut short.
   */
  static String readProcFile(Path file) throws IOException {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String jcmd(long pid, String... command) {
    String[] line = new String[command.length + 2];
    line[0] = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    line[1] = Long.toString(pid);
    System.arraycopy(command, 0, line, 2, command.length);
    try {
      Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed for " + pid + ": " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
