package io.chatgateway.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ThrottledLogTest {

  @Test
  void oneLinePerIntervalCountingTheRest() {
    Logger logger = Logger.getLogger("throttled-log-test");
    logger.setUseParentHandlers(false);
    logger.setLevel(Level.ALL);
    List<LogRecord> lines = new ArrayList<>();
    logger.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
    AtomicLong now = new AtomicLong(1_000_000_000L);
    ThrottledLog log = new ThrottledLog(logger, Level.WARNING, Duration.ofSeconds(10), now::get);
    assertTrue(log.log(() -> "bad thing"));
    for (int i = 0; i < 500; i++) {
      assertFalse(log.log(() -> "bad thing"));
    }
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertTrue(log.log(() -> "bad thing"));
    assertEquals(2, lines.size());
    assertEquals("bad thing", lines.get(0).getMessage());
    assertEquals("bad thing (and 500 more like it since the last such line)", lines.get(1).getMessage());
    assertNull(lines.get(1).getThrown(), "never a stack trace");
  }
}
