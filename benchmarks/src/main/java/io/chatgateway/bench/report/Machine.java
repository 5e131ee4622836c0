package io.chatgateway.bench.report;

import io.chatgateway.bench.process.GatewayProcess;
import io.chatgateway.bench.process.ProcessProbe;
import java.time.Instant;
import java.util.Locale;

/** The machine a result was measured on, recorded with every result. */
public final class Machine {

  private Machine() {}

  public static JsonObject json() {
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("maxMemoryOfHostBytes", totalMemoryBytes())
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
        .put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"))
        .put("measuredJvmFlags", String.join(" ", GatewayProcess.JVM_FLAGS) + " " + String.join(" ", ProcessProbe.MEASURED_JVM_FLAGS))
        .put("openFilesHardLimit", ProcessProbe.openFilesHardLimit())
        .put("time", Instant.now().toString());
  }

  public static String markdown() {
    return String.format(
        Locale.ROOT,
        "%d cores, %.1f GB RAM, %s %s, %s; measured JVMs run `%s %s`; open files per process at most %d",
        Runtime.getRuntime().availableProcessors(),
        totalMemoryBytes() / 1e9,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
        String.join(" ", GatewayProcess.JVM_FLAGS),
        String.join(" ", ProcessProbe.MEASURED_JVM_FLAGS),
        ProcessProbe.openFilesHardLimit());
  }

  private static long totalMemoryBytes() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
  }
}
