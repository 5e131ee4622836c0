package io.chatgateway.bench.micro;

import io.chatgateway.gateway.session.FrameCodec;
import io.chatgateway.gateway.session.OutboundEvent;
import io.chatgateway.gateway.session.OutboundQueue;

import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.EventBatch;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendFrame;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import com.google.protobuf.Timestamp;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;
import com.google.protobuf.util.JsonFormat;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * JMH micro-benchmarks of the session's hot paths: decoding an inbound frame (binary and JSON), fanning
 * one event out to a room's sessions with a single encoding versus one per recipient, a session's
 * bounded outbound queue, and the framed-bytes path (a batch built from encoded events; a
 * WebSocket text frame's UTF-8 made once; a room event's JSON by the gateway's printer and by
 * protobuf's; a batch's JSON joined from its events'). Through the session package's public API.
 * Run with {@code bench/run.sh micro} (JMH options after it, e.g. {@code -f 1 -wi 3 -i 5}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SessionHotPathsBenchmark {

  /** Subscribers in the room one event is fanned out to. */
  @Param({"100"})
  public int recipients;

  private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  private byte[] sendFrame;
  private String sendFrameJson;
  private ServerEvent roomEvent;
  private OutboundQueue[] queues;

  @Setup
  public void setUp() throws Exception {
    RoomEvent event =
        RoomEvent.newBuilder()
            .setId("01HZX3M8Q7K2V9")
            .setRoomId("room-42")
            .setSenderProfileId("alice")
            .setSenderDeviceId("phone")
            .setType(EventType.EVENT_TYPE_MESSAGE)
            .setText(TextPayload.newBuilder().setText("a chat message of a typical length, some eighty characters long, give or take"))
            .setSentTime(Timestamp.newBuilder().setSeconds(1_790_000_000L))
            .setSequence(123_456)
            .build();
    ConnectRequest request = ConnectRequest.newBuilder().setFrameId("f-1").setSend(SendFrame.newBuilder().addEvents(event)).build();
    sendFrame = request.toByteArray();
    sendFrameJson = JsonFormat.printer().omittingInsignificantWhitespace().print(request);
    roomEvent = ServerEvent.newBuilder().setId("e-1").setTimestamp(Timestamp.newBuilder().setSeconds(1_790_000_001L).setNanos(250_000_000)).setRoomEvent(event).build();
    queues = new OutboundQueue[recipients];
    for (int i = 0; i < recipients; i++) {
      queues[i] = new OutboundQueue(1_000, 1 << 20);
    }
  }

  @Benchmark
  public FrameCodec.Decoded decodeBinaryFrame() {
    return FrameCodec.decodeBinary(sendFrame, 64 * 1024);
  }

  @Benchmark
  public FrameCodec.Decoded decodeJsonFrame() {
    return FrameCodec.decodeJson(sendFrameJson, 64 * 1024);
  }

  /** What the gateway does: one encoding, the same bytes offered to every recipient's queue. */
  @Benchmark
  public void fanOutEncodedOnce(Blackhole sink) {
    OutboundEvent encoded = OutboundEvent.of(roomEvent);
    for (OutboundQueue queue : queues) {
      queue.offer(encoded);
      sink.consume(queue.poll());
    }
  }

  /** The naive alternative, for comparison: every recipient encodes its own copy. */
  @Benchmark
  public void fanOutEncodedPerRecipient(Blackhole sink) {
    for (OutboundQueue queue : queues) {
      queue.offer(OutboundEvent.of(roomEvent));
      sink.consume(queue.poll());
    }
  }

  /** A session's enqueue and its executor's dequeue, uncontended. */
  @Benchmark
  public OutboundEvent sessionEnqueueDequeue(EncodedEvent event) {
    queues[0].offer(event.encoded);
    return queues[0].poll();
  }

  /**
   * The framed-bytes path: what a session's drain does with the 16 events that gathered in its queue
   * (one {@code EventBatch} message built from the events' own bytes), against building the batch
   * message and encoding it again.
   */
  @Benchmark
  public byte[] batchFromEncodedEvents(QueuedEvents queued) {
    return OutboundEvent.batch(queued.encoded).binary();
  }

  /**
   * The same batch as a gRPC drain writes it: framing and the events' own bytes copied straight into
   * the transport's buffer (here a reused array), the batch's own array never made.
   */
  @Benchmark
  public int batchDrainedFromEncodedEvents(QueuedEvents queued, TransportBuffer buffer) throws Exception {
    buffer.clear();
    OutboundEvent.batch(queued.encoded).writeBinary(buffer);
    return buffer.size();
  }

  /** What a drain did before: the batch's array made, then copied into the transport's buffer. */
  @Benchmark
  public int batchMadeThenCopied(QueuedEvents queued, TransportBuffer buffer) throws Exception {
    buffer.clear();
    buffer.write(OutboundEvent.batch(queued.encoded).binary());
    return buffer.size();
  }

  @Benchmark
  public byte[] batchEncodedAgain(QueuedEvents queued) {
    return ServerEvent.newBuilder().setBatch(EventBatch.newBuilder().addAllEvents(queued.events)).build().toByteArray();
  }

  /** A WebSocket text client's bytes for one fanned-out event, per recipient: made once and shared. */
  @Benchmark
  public void jsonUtf8EncodedOnce(Blackhole sink) {
    OutboundEvent encoded = OutboundEvent.of(roomEvent);
    for (int i = 0; i < recipients; i++) {
      sink.consume(encoded.jsonUtf8());
    }
  }

  /** What Undertow did before: the shared JSON string encoded to UTF-8 again for every recipient. */
  @Benchmark
  public void jsonUtf8EncodedPerRecipient(Blackhole sink) {
    String json = OutboundEvent.of(roomEvent).json();
    for (int i = 0; i < recipients; i++) {
      sink.consume(json.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A room event's JSON as the gateway makes it, once per fanned-out event (its own printer). */
  @Benchmark
  public byte[] jsonOfOneEvent() {
    return OutboundEvent.of(roomEvent).jsonUtf8();
  }

  /** The same by protobuf's reflective printer, as the gateway made it before. */
  @Benchmark
  public byte[] jsonOfOneEventByProtobufPrinter() throws Exception {
    return JSON_PRINTER.print(roomEvent).getBytes(StandardCharsets.UTF_8);
  }

  /** A batch's text for a WebSocket text client, joined from its 16 events' texts (made once each). */
  @Benchmark
  public byte[] batchJsonFromEncodedEvents(QueuedEvents queued) {
    return OutboundEvent.batch(queued.encoded).jsonUtf8();
  }

  /**
   * A transport's outbound buffer as gRPC's framer fills one: a pooled direct Netty buffer (grpc-java's
   * shaded Netty) written through an output stream, cleared for each message.
   */
  @State(Scope.Thread)
  public static class TransportBuffer extends OutputStream {
    private final ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64 * 1024);

    void clear() {
      buffer.clear();
    }

    int size() {
      return buffer.readableBytes();
    }

    @Override
    public void write(int b) {
      buffer.writeByte(b);
    }

    @Override
    public void write(byte[] source, int offset, int length) {
      buffer.writeBytes(source, offset, length);
    }

    @TearDown
    public void release() {
      buffer.release();
    }
  }

  /** Sixteen room events as a session's queue holds them: encoded once each. */
  @State(Scope.Benchmark)
  public static class QueuedEvents {
    List<ServerEvent> events;
    List<OutboundEvent> encoded;

    @Setup
    public void setUp() {
      List<ServerEvent> built = new ArrayList<>();
      for (int i = 1; i <= 16; i++) {
        built.add(ServerEvent.newBuilder()
            .setRoomEvent(RoomEvent.newBuilder().setRoomId("room-42").setSequence(i).setType(EventType.EVENT_TYPE_MESSAGE)
                .setText(TextPayload.newBuilder().setText("message " + i + " of a typical length, some eighty characters, give or take")))
            .build());
      }
      events = built;
      encoded = built.stream().map(OutboundEvent::of).toList();
    }
  }

  /** An event encoded once, as fan-out hands it to sessions. */
  @State(Scope.Benchmark)
  public static class EncodedEvent {
    OutboundEvent encoded;

    @Setup
    public void setUp() {
      encoded = OutboundEvent.of(ServerEvent.newBuilder().setId("e-2").build());
    }
  }
}
