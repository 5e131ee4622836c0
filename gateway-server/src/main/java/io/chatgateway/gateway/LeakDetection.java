package io.chatgateway.gateway;

import io.chatgateway.gateway.env.EnvReader;
import java.util.Locale;
import java.util.Map;

/**
 * Sets Netty's buffer-leak detection once at start-up, for both copies of Netty in the process
 * (grpc-java's shaded one, which carries every device stream and call, and Lettuce's, which talks
 * to Redis), from {@code NETTY_LEAK_DETECTION}: {@code disabled} (the default), {@code simple},
 * {@code advanced} or {@code paranoid}.
 *
 * <p>Why off by default: Netty's own default ({@code simple}) samples one buffer in 128 with a stack
 * trace and touches every buffer at each handler it passes; in the full topology's max-rate fan-out
 * that was 3.5% of the gateway's CPU ({@code bench/results/profiles/fanout-full-6-max-final-queue.txt}),
 * for reports nobody reads in a healthy process. The test suite runs with Netty's default; an
 * operator chasing direct-memory growth turns it back on with this variable.
 *
 * <p>Call before the servers start: the level is global and read as buffers are allocated.
 */
final class LeakDetection {

  static final String VARIABLE = "NETTY_LEAK_DETECTION";

  private LeakDetection() {}

  /** Applies the configured level; an unknown value throws {@link io.chatgateway.gateway.env.ConfigException} naming the variable. */
  static void configure(Map<String, String> environment) {
    EnvReader env = new EnvReader(environment);
    String raw = env.string("NETTY_LEAK_DETECTION", "disabled");
    io.netty.util.ResourceLeakDetector.Level level;
    try {
      level = io.netty.util.ResourceLeakDetector.Level.valueOf(raw.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw EnvReader.invalid(VARIABLE, "disabled, simple, advanced or paranoid", raw);
    }
    io.netty.util.ResourceLeakDetector.setLevel(level);
    // The shaded copy has the same four levels under the same names.
    io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.valueOf(level.name()));
  }
}
