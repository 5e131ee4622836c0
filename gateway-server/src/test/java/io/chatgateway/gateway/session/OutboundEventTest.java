package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.EventBatch;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutboundEventTest {

  private static OutboundEvent roomEvent(int sequence, String text) {
    return OutboundEvent.of(
        ServerEvent.newBuilder()
            .setId("e" + sequence)
            .setRoomEvent(RoomEvent.newBuilder().setRoomId("r").setSequence(sequence).setText(TextPayload.newBuilder().setText(text)))
            .build());
  }

  @Test
  void aBatchIsTheProtobufOfItsEventsInOrder() throws Exception {
    List<OutboundEvent> parts = new ArrayList<>();
    // Sizes on both sides of the one-byte varint length, so multi-byte lengths are framed right.
    for (int i = 1; i <= 40; i++) {
      parts.add(roomEvent(i, "x".repeat(i * 7)));
    }
    parts.add(OutboundEvent.of(ServerEvent.newBuilder().setFrameId("f").setPong(PongEvent.getDefaultInstance()).build()));
    OutboundEvent batch = OutboundEvent.batch(parts);

    ServerEvent expected =
        ServerEvent.newBuilder().setBatch(EventBatch.newBuilder().addAllEvents(parts.stream().map(OutboundEvent::event).toList())).build();
    // Asked before the bytes exist: queue bounds count a batch no device has read yet.
    assertEquals(expected.getSerializedSize(), batch.size());
    assertEquals(expected, ServerEvent.parseFrom(batch.binary()), "what a device decodes");
    assertEquals(expected, batch.event());
    assertTrue(batch.isBatch());
    assertEquals(parts.size(), batch.eventCount());
  }

  @Test
  void aBatchWrittenToAStreamIsTheEncodingItWouldMake() throws Exception {
    List<OutboundEvent> parts = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      parts.add(roomEvent(i, "y".repeat(i * 5)));
    }
    // Written before its encoding is made (what a gRPC drain does), and after.
    OutboundEvent batch = OutboundEvent.batch(parts);
    ByteArrayOutputStream unmade = new ByteArrayOutputStream();
    batch.writeBinary(unmade);
    byte[] made = OutboundEvent.batch(parts).binary();
    assertArrayEquals(made, unmade.toByteArray());
    assertEquals(batch.size(), unmade.size());
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    batch.binary();
    batch.writeBinary(again);
    assertArrayEquals(made, again.toByteArray());

    OutboundEvent single = parts.get(0);
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    single.writeBinary(one);
    assertArrayEquals(single.binary(), one.toByteArray());
  }

  @Test
  void aBatchPrintsAsThePrinterWould() throws Exception {
    // Non-ASCII text too: the batch's UTF-8 is its parts' UTF-8 joined byte by byte.
    OutboundEvent batch = OutboundEvent.batch(List.of(roomEvent(1, "a \"quoted\" one"), roomEvent(2, "b"), roomEvent(3, "café \uD83D\uDE00 ж")));
    String printed = JsonFormat.printer().omittingInsignificantWhitespace().print(batch.event());
    assertEquals(printed, batch.json());
    assertArrayEquals(printed.getBytes(StandardCharsets.UTF_8), batch.jsonUtf8(), "what a text frame carries");
    ServerEvent.Builder parsed = ServerEvent.newBuilder();
    JsonFormat.parser().merge(batch.json(), parsed);
    assertEquals(batch.event(), parsed.build());
  }

  @Test
  void threadsMakingABatchsEncodingsAtOnceAllGetTheSameBytes() throws Exception {
    List<OutboundEvent> parts = List.of(roomEvent(1, "a"), roomEvent(2, "b\u00e9"), roomEvent(3, "c"));
    byte[] binary = OutboundEvent.batch(parts).binary();
    byte[] json = OutboundEvent.batch(parts).jsonUtf8();
    for (int round = 0; round < 200; round++) {
      OutboundEvent batch = OutboundEvent.batch(parts);
      int threads = 8;
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<byte[][]>> results = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (int t = 0; t < threads; t++) {
          results.add(pool.submit(() -> {
            start.await(10, TimeUnit.SECONDS);
            return new byte[][] {batch.binary(), batch.jsonUtf8()};
          }));
        }
        for (Future<byte[][]> result : results) {
          byte[][] got = result.get(10, TimeUnit.SECONDS);
          assertArrayEquals(binary, got[0]);
          assertArrayEquals(json, got[1]);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void aSingleEventIsNotABatch() {
    OutboundEvent single = roomEvent(1, "a");
    assertEquals(1, single.eventCount());
    assertThrows(IllegalArgumentException.class, () -> OutboundEvent.batch(List.of(single)));
  }

  @Test
  void batchesDoNotNest() {
    OutboundEvent batch = OutboundEvent.batch(List.of(roomEvent(1, "a"), roomEvent(2, "b")));
    assertThrows(IllegalArgumentException.class, () -> OutboundEvent.batch(List.of(batch, roomEvent(3, "c"))));
  }
}
