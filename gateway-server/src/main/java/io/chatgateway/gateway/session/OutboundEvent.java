package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.EventBatch;
import io.chatgateway.proto.v1.ServerEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link ServerEvent} with its wire encodings, each made at most once: a fanned-out event is
 * encoded a single time per format and the same bytes are written to every recipient. The protobuf
 * encoding is made eagerly (every transport can use it); the JSON one in UTF-8, which only WebSocket
 * text clients need, on first use. Thread-safe.
 *
 * <p>A {@linkplain #batch batch} is made from events already encoded: its encodings are their
 * bytes framed, never the events encoded again, and each is made on first use, since a device
 * reads one format only (a WebSocket text client never needs the protobuf bytes).
 */
public final class OutboundEvent {

  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private static final int BATCH_FIELD = ServerEvent.BATCH_FIELD_NUMBER;
  private static final int BATCH_EVENTS_FIELD = EventBatch.EVENTS_FIELD_NUMBER;
  private static final int BATCH_TAG = BATCH_FIELD << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final int BATCH_EVENTS_TAG = BATCH_EVENTS_FIELD << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  /** A tag and a length, each a varint of at most five bytes. */
  private static final int MAX_FRAMING = 10;
  private static final byte[] BATCH_JSON_START = "{\"batch\":{\"events\":[".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BATCH_JSON_END = "]}}".getBytes(StandardCharsets.US_ASCII);
  private static final OutboundEvent[] SINGLE = new OutboundEvent[0];

  // A batch's event and binary are made on first use (fan-out needs neither; a text client never
  // reads the binary). Benign races, as for jsonUtf8.
  private volatile ServerEvent event;
  private volatile byte[] binary;
  private final int size; // of binary, known before it is made
  private final OutboundEvent[] batched; // empty unless this is a batch; never modified
  // Benign race: two threads may both print it; both results are equal.
  private volatile byte[] jsonUtf8;

  private OutboundEvent(ServerEvent event, byte[] binary, int size, OutboundEvent[] batched) {
    this.event = event;
    this.binary = binary;
    this.size = size;
    this.batched = batched;
  }

  public static OutboundEvent of(ServerEvent event) {
    byte[] binary = requireNonNull(event, "event").toByteArray();
    return new OutboundEvent(event, binary, binary.length, SINGLE);
  }

  /**
   * One {@code ServerEvent{batch}} holding {@code events} in order. Its protobuf encoding is the
   * events' own bytes, each framed as an {@code EventBatch.events} element, so building it copies
   * bytes but encodes nothing.
   *
   * @param events at least two events, none itself a batch
   */
  public static OutboundEvent batch(List<OutboundEvent> events) {
    return batchOwning(events.toArray(SINGLE), events.size());
  }

  /**
   * As {@link #batch}, for the first {@code count} events of {@code parts}, an array the caller
   * hands over and never touches again: a session's drain collects a batch into an array sized by
   * its queue, and the batch keeps that array rather than a copy.
   */
  static OutboundEvent batchOwning(OutboundEvent[] parts, int count) {
    if (count < 2) {
      throw new IllegalArgumentException("a batch needs at least two events, got " + count);
    }
    OutboundEvent[] owned = count == parts.length ? parts : Arrays.copyOf(parts, count);
    for (OutboundEvent part : owned) {
      if (part.isBatch()) {
        throw new IllegalArgumentException("a batch cannot hold a batch");
      }
    }
    int inner = batchContentSize(owned);
    int size = CodedOutputStream.computeTagSize(BATCH_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(inner) + inner;
    return new OutboundEvent(null, null, size, owned);
  }

  private static int batchContentSize(OutboundEvent[] parts) {
    int inner = 0;
    for (OutboundEvent part : parts) {
      inner += CodedOutputStream.computeTagSize(BATCH_EVENTS_FIELD) + CodedOutputStream.computeUInt32SizeNoTag(part.size()) + part.size();
    }
    return inner;
  }

  /** The batch's protobuf encoding, made once: its events' bytes, each framed as an {@code EventBatch.events} element. */
  private byte[] batchBinary() {
    ExactArrayOutput out = new ExactArrayOutput(size);
    try {
      writeBatch(out);
    } catch (IOException e) {
      throw new UncheckedIOException("an array cannot fail to take bytes", e);
    }
    return out.filled();
  }

  /**
   * Writes the protobuf encoding, the bytes {@link #binary} holds, to {@code out}. A batch whose
   * encoding was not made is written as its framing and its events' own bytes, and not made: gRPC
   * drains a message straight into its transport buffer, where a made batch was one more array per
   * message, filled and then copied (a drain writes each batch once).
   */
  public void writeBinary(OutputStream out) throws IOException {
    byte[] bytes = binary;
    if (bytes != null) {
      out.write(bytes);
    } else {
      writeBatch(out);
    }
  }

  /** A batch's events framed as {@code ServerEvent{batch{events...}}}, in order. */
  private void writeBatch(OutputStream out) throws IOException {
    byte[] framing = new byte[MAX_FRAMING];
    out.write(framing, 0, putFraming(framing, BATCH_TAG, batchContentSize(batched)));
    for (OutboundEvent part : batched) {
      out.write(framing, 0, putFraming(framing, BATCH_EVENTS_TAG, part.size()));
      out.write(part.binary());
    }
  }

  /**
   * Puts a length-delimited field's tag and length at the start of {@code into} as protobuf varints;
   * returns how many bytes they took (CodedOutputStream does the same, at the cost of an object).
   */
  private static int putFraming(byte[] into, int tag, int length) {
    int at = putVarint(into, 0, tag);
    return putVarint(into, at, length);
  }

  private static int putVarint(byte[] into, int at, int value) {
    while ((value & ~0x7F) != 0) {
      into[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    into[at++] = (byte) value;
    return at;
  }

  /** Fills an array of the exact size the batch computed for itself, and checks that it did. */
  private static final class ExactArrayOutput extends OutputStream {
    private final byte[] bytes;
    private int at;

    ExactArrayOutput(int size) {
      bytes = new byte[size];
    }

    @Override
    public void write(int b) {
      bytes[at++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
      System.arraycopy(source, offset, bytes, at, length);
      at += length;
    }

    byte[] filled() {
      if (at != bytes.length) {
        throw new IllegalStateException("a batch of " + at + " bytes, computed as " + bytes.length);
      }
      return bytes;
    }
  }

  public ServerEvent event() {
    ServerEvent built = event;
    if (built == null) {
      EventBatch.Builder batch = EventBatch.newBuilder();
      for (OutboundEvent part : batched) {
        batch.addEvents(part.event());
      }
      built = ServerEvent.newBuilder().setBatch(batch).build();
      event = built;
    }
    return built;
  }

  /** The room sequence of a room event; 0 for every other kind of event (they have none). */
  public long sequence() {
    ServerEvent built = event;
    return built != null && built.hasRoomEvent() ? built.getRoomEvent().getSequence() : 0;
  }

  /** The protobuf encoding. Callers must not modify it. */
  public byte[] binary() {
    byte[] bytes = binary;
    if (bytes == null) {
      bytes = batchBinary();
      binary = bytes;
    }
    return bytes;
  }

  /**
   * The protobuf JSON mapping in UTF-8, as WebSocket text frames carry it: encoded once, written to
   * every recipient as it is. Callers must not modify it.
   */
  public byte[] jsonUtf8() {
    byte[] text = jsonUtf8;
    if (text == null) {
      text = isBatch() ? batchJson() : printJson().getBytes(StandardCharsets.UTF_8);
      jsonUtf8 = text;
    }
    return text;
  }

  /** The protobuf JSON mapping, as a string. */
  public String json() {
    return new String(jsonUtf8(), StandardCharsets.UTF_8);
  }

  /** Whether this is a batch of several events. */
  public boolean isBatch() {
    return batched.length > 0;
  }

  /** How many events this carries: 1, or a batch's size. */
  public int eventCount() {
    return isBatch() ? batched.length : 1;
  }

  private String printJson() {
    ServerEvent single = event();
    String fast = RoomEventJson.print(single);
    if (fast != null) {
      return fast;
    }
    try {
      return JSON.print(single);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a ServerEvent that cannot be printed as JSON", e);
    }
  }

  /**
   * What the printer would make of the batch, from the texts its events already have: the
   * delimiters are ASCII, so joining UTF-8 texts byte by byte gives UTF-8.
   */
  private byte[] batchJson() {
    byte[][] texts = new byte[batched.length][];
    int length = BATCH_JSON_START.length + texts.length - 1 + BATCH_JSON_END.length;
    for (int i = 0; i < texts.length; i++) {
      texts[i] = batched[i].jsonUtf8();
      length += texts[i].length;
    }
    // Sized exactly and filled once: a growing buffer copied each text two or three times.
    byte[] joined = new byte[length];
    System.arraycopy(BATCH_JSON_START, 0, joined, 0, BATCH_JSON_START.length);
    int at = BATCH_JSON_START.length;
    for (int i = 0; i < texts.length; i++) {
      if (i > 0) {
        joined[at++] = ',';
      }
      System.arraycopy(texts[i], 0, joined, at, texts[i].length);
      at += texts[i].length;
    }
    System.arraycopy(BATCH_JSON_END, 0, joined, at, BATCH_JSON_END.length);
    return joined;
  }

  /** Encoded size in bytes, what queue bounds count. */
  public int size() {
    return size;
  }
}
