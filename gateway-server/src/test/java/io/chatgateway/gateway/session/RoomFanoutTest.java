package io.chatgateway.gateway.session;

import io.chatgateway.gateway.backplane.SessionDirectory;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.BusEnvelope;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Registration races: the engine hears "active" and "inactive" exactly as often as rooms gain and lose their last subscriber. */
class RoomFanoutTest {

  /** Counts roomActive/roomInactive per room; checks they alternate. */
  private static final class CountingEngine implements Engine {
    final ConcurrentHashMap<String, AtomicInteger> active = new ConcurrentHashMap<>();
    final AtomicInteger violations = new AtomicInteger();

    @Override
    public void start(Consumer<BusEnvelope> sink) {}

    @Override
    public void roomActive(String roomId) {
      if (active.computeIfAbsent(roomId, r -> new AtomicInteger()).incrementAndGet() != 1) {
        violations.incrementAndGet();
      }
    }

    @Override
    public void roomInactive(String roomId) {
      if (active.computeIfAbsent(roomId, r -> new AtomicInteger()).decrementAndGet() != 0) {
        violations.incrementAndGet();
      }
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> whenDelivering(String roomId) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean healthy() {
      return true;
    }

    @Override
    public void publish(BusEnvelope envelope) {}

    @Override
    public void close() {}
  }

  @Test
  void concurrentJoinsAndLeavesKeepTheEngineInStep() throws Exception {
    CountingEngine engine = new CountingEngine();
    try (RoomFanout fanout = new RoomFanout(engine, SessionDirectory.LOCAL, SessionMetrics.NONE, new ServerEvents("gw", Clock.systemUTC()), new RecentEvents(100, 1 << 20), 2)) {
      // Sessions are only used as identities here, so a real-but-idle session per thread is enough.
      int threads = 8;
      List<DeviceSession> sessions = SessionFixtures.idleSessions(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        DeviceSession session = sessions.get(t);
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 5_000; i++) {
                    String room = "room-" + (i % 7);
                    fanout.register(room, session);
                    fanout.register(room, session); // idempotent
                    fanout.unregister(room, session);
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(0, engine.violations.get(), "active/inactive alternate per room");
      assertEquals(0, fanout.activeRooms());
      engine.active.values().forEach(count -> assertEquals(0, count.get()));
    }
  }
}
