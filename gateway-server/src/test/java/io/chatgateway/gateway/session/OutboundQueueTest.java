package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.proto.v1.ServerEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {

  private static OutboundEvent event(String id, int padding) {
    return OutboundEvent.of(ServerEvent.newBuilder().setId(id).setFrameId("x".repeat(padding)).build());
  }

  @Test
  void aRetainedPollKeepsItsRoomUntilReleased() {
    OutboundQueue queue = new OutboundQueue(2, 1_000);
    OutboundEvent first = event("1", 10);
    assertTrue(queue.offer(first));
    assertTrue(queue.offer(event("2", 10)));
    assertEquals("1", queue.pollRetained().event().getId());
    assertEquals("2", queue.pollRetained().event().getId());
    assertNull(queue.pollRetained());
    assertEquals(2, queue.size(), "taken, not released");
    assertFalse(queue.offer(event("3", 10)), "the taken events still count against the bound");
    queue.release(2, 2L * first.size());
    assertEquals(0, queue.size());
    assertEquals(0, queue.bytes());
    assertTrue(queue.offer(event("3", 10)));
    assertEquals("3", queue.poll().event().getId());
  }

  @Test
  void refusesWhatWouldPassEitherBoundAndKeepsOrder() {
    OutboundQueue queue = new OutboundQueue(3, 1_000);
    assertTrue(queue.offer(event("1", 10)));
    assertTrue(queue.offer(event("2", 10)));
    assertTrue(queue.offer(event("3", 10)));
    assertFalse(queue.offer(event("4", 10)), "count bound");
    assertEquals("1", queue.poll().event().getId());
    assertFalse(queue.offer(event("big", 2_000)), "byte bound");
    assertTrue(queue.offer(event("4", 10)));
    assertEquals(List.of("2", "3", "4"), List.of(queue.poll().event().getId(), queue.poll().event().getId(), queue.poll().event().getId()));
    assertNull(queue.poll());
    assertEquals(0, queue.bytes());
    assertEquals(0, queue.size());
  }

  @Test
  void concurrentProducersNeverOvershootAndEveryAcceptedEventIsPolledOnceInItsProducersOrder() throws Exception {
    int producers = 8;
    int perProducer = 20_000;
    int bound = 500;
    OutboundQueue queue = new OutboundQueue(bound, Long.MAX_VALUE);
    ExecutorService pool = Executors.newFixedThreadPool(producers + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger accepted = new AtomicInteger();
    AtomicBoolean overshoot = new AtomicBoolean();
    AtomicBoolean producing = new AtomicBoolean(true);
    List<Future<?>> done = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int producer = p;
      done.add(
          pool.submit(
              () -> {
                start.await();
                for (int i = 0; i < perProducer; i++) {
                  if (queue.offer(event(producer + ":" + i, 0))) {
                    accepted.incrementAndGet();
                  }
                  if (queue.size() > bound) {
                    overshoot.set(true);
                  }
                }
                return null;
              }));
    }
    Set<String> polled = new HashSet<>();
    int[] lastOfProducer = new int[producers];
    java.util.Arrays.fill(lastOfProducer, -1);
    Future<?> consumer =
        pool.submit(
            () -> {
              start.await();
              while (producing.get() || queue.size() > 0) {
                OutboundEvent next = queue.poll();
                if (next == null) {
                  continue;
                }
                String id = next.event().getId();
                if (!polled.add(id)) {
                  throw new AssertionError("polled twice: " + id);
                }
                int producer = Integer.parseInt(id.substring(0, id.indexOf(':')));
                int index = Integer.parseInt(id.substring(id.indexOf(':') + 1));
                if (index <= lastOfProducer[producer]) {
                  throw new AssertionError("producer " + producer + "'s events out of order: " + index + " after " + lastOfProducer[producer]);
                }
                lastOfProducer[producer] = index;
              }
              return null;
            });
    start.countDown();
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    producing.set(false);
    consumer.get(60, TimeUnit.SECONDS);
    pool.shutdown();
    assertFalse(overshoot.get(), "size never passed the bound");
    assertEquals(accepted.get(), polled.size());
    assertEquals(0, queue.size());
    assertEquals(0, queue.bytes());
  }

  /**
   * A polled node no longer links to the next: a dead node that reached the old generation would
   * otherwise keep every later node reachable until an old-generation collection. White-box (the
   * node is private); what it guards is what the GC can reclaim, not what the queue returns.
   */
  @Test
  void aPolledNodeLetsGoOfItsSuccessor() throws Exception {
    OutboundQueue queue = new OutboundQueue(10, 10_000);
    queue.offer(event("1", 0));
    queue.offer(event("2", 0));
    java.lang.reflect.Field head = OutboundQueue.class.getDeclaredField("head");
    head.setAccessible(true);
    Object emptyNode = head.get(queue);
    java.lang.reflect.Field next = emptyNode.getClass().getDeclaredField("next");
    next.setAccessible(true);
    assertEquals("1", queue.poll().event().getId());
    assertNull(next.get(emptyNode), "the node left behind links to nothing");
    assertEquals("2", queue.poll().event().getId());
  }
}
