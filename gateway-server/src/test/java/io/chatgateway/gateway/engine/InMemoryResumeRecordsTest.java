package io.chatgateway.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryResumeRecordsTest {

  @Test
  void onlyTheOwnerConsumesAToken() {
    InMemoryResumeRecords store = new InMemoryResumeRecords(Duration.ofSeconds(60), 10, System::nanoTime);
    String token = "t-1";
    store.save(token, "olga", Map.of("r1", 4L, "r2", 7L), 0);
    assertEquals(Map.of(), store.take(token, "mallory", 1), "another profile gets nothing");
    assertEquals(Map.of(), store.take(token, "mallory", 2), "nor on a second try");
    assertEquals(Map.of("r1", 4L, "r2", 7L), store.take(token, "olga", 3), "and the owner's resume still works");
    assertEquals(Map.of(), store.take(token, "olga", 4), "once");
  }

  @Test
  void expiredTokensAreGone() {
    InMemoryResumeRecords store = new InMemoryResumeRecords(Duration.ofNanos(100), 10, System::nanoTime);
    String token = "t-1";
    store.save(token, "olga", Map.of("r1", 1L), 0);
    assertEquals(Map.of(), store.take(token, "olga", 101));
  }

  @Test
  void theOldestEntryGoesWhenFull() {
    InMemoryResumeRecords store = new InMemoryResumeRecords(Duration.ofSeconds(60), 2, System::nanoTime);
    store.save("a", "p", Map.of("r", 1L), 0);
    store.save("b", "p", Map.of("r", 1L), 1);
    store.save("c", "p", Map.of("r", 1L), 2);
    assertEquals(Map.of(), store.take("a", "p", 3));
    assertEquals(Map.of("r", 1L), store.take("b", "p", 3));
    assertEquals(Map.of("r", 1L), store.take("c", "p", 3));
  }
}
