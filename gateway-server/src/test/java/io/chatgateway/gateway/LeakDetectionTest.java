package io.chatgateway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.env.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** NETTY_LEAK_DETECTION sets both copies of Netty in the process; the levels are global, so each test puts them back. */
class LeakDetectionTest {

  private final io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level grpcBefore = io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel();
  private final io.netty.util.ResourceLeakDetector.Level lettuceBefore = io.netty.util.ResourceLeakDetector.getLevel();

  @AfterEach
  void restore() {
    io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(grpcBefore);
    io.netty.util.ResourceLeakDetector.setLevel(lettuceBefore);
  }

  @Test
  void unsetDisablesItInBothNettys() {
    LeakDetection.configure(Map.of());
    assertEquals("DISABLED", io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel().name());
    assertEquals("DISABLED", io.netty.util.ResourceLeakDetector.getLevel().name());
  }

  @Test
  void aLevelIsTakenInAnyCase() {
    LeakDetection.configure(Map.of(LeakDetection.VARIABLE, "Paranoid"));
    assertEquals("PARANOID", io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel().name());
    assertEquals("PARANOID", io.netty.util.ResourceLeakDetector.getLevel().name());
    LeakDetection.configure(Map.of(LeakDetection.VARIABLE, "simple"));
    assertEquals("SIMPLE", io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.getLevel().name());
    assertEquals("SIMPLE", io.netty.util.ResourceLeakDetector.getLevel().name());
  }

  @Test
  void anUnknownLevelStopsStartUpNamingTheVariable() {
    ConfigException refused = assertThrows(ConfigException.class, () -> LeakDetection.configure(Map.of(LeakDetection.VARIABLE, "sometimes")));
    assertTrue(refused.getMessage().contains("NETTY_LEAK_DETECTION") && refused.getMessage().contains("sometimes"), refused.getMessage());
  }
}
