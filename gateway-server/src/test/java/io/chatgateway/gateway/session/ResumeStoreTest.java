package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResumeStoreTest {

  @Test
  void onlyTheOwnerConsumesAToken() {
    ResumeStore store = new ResumeStore(Duration.ofSeconds(60), 10);
    String token = store.newToken();
    store.save(token, "olga", Set.of("r1", "r2"), 0);
    assertEquals(Set.of(), store.take(token, "mallory", 1), "another profile gets nothing");
    assertEquals(Set.of(), store.take(token, "mallory", 2), "nor on a second try");
    assertEquals(Set.of("r1", "r2"), store.take(token, "olga", 3), "and the owner's resume still works");
    assertEquals(Set.of(), store.take(token, "olga", 4), "once");
  }

  @Test
  void expiredTokensAreGone() {
    ResumeStore store = new ResumeStore(Duration.ofNanos(100), 10);
    String token = store.newToken();
    store.save(token, "olga", Set.of("r1"), 0);
    assertEquals(Set.of(), store.take(token, "olga", 101));
  }

  @Test
  void theOldestEntryGoesWhenFull() {
    ResumeStore store = new ResumeStore(Duration.ofSeconds(60), 2);
    store.save("a", "p", Set.of("r"), 0);
    store.save("b", "p", Set.of("r"), 1);
    store.save("c", "p", Set.of("r"), 2);
    assertEquals(Set.of(), store.take("a", "p", 3));
    assertEquals(Set.of("r"), store.take("b", "p", 3));
    assertEquals(Set.of("r"), store.take("c", "p", 3));
  }
}
