package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import io.chatgateway.proto.v1.AttachmentPayload;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.PongEvent;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RoomEventJsonTest {

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  @Test
  void printsEveryFieldOfTheSchema() {
    assertTrue(RoomEventJson.COVERS_SCHEMA, "a field was added to ServerEvent, RoomEvent or TextPayload: print it in RoomEventJson");
  }

  @Test
  void printsWhatTheProtobufPrinterPrintsForRandomEvents() throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 20_000; i++) {
      ServerEvent event = randomEvent(random);
      String fast = RoomEventJson.print(event);
      assertNotNull(fast, () -> "not printed: " + event);
      assertEquals(PRINTER.print(event), fast, () -> "for " + event);
    }
  }

  @Test
  void escapesEveryCharacterAsTheProtobufPrinterDoes() throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x800; c++) {
      all.append(c);
    }
    all.append("\u2028\u2029\uFFFF\uD83D\uDE00");
    ServerEvent event = ServerEvent.newBuilder().setRoomEvent(RoomEvent.newBuilder().setText(TextPayload.newBuilder().setText(all.toString()))).build();
    assertEquals(PRINTER.print(event), RoomEventJson.print(event));
  }

  @Test
  void formatsTimestampsAsProtobufDoes() {
    long[] seconds = {-62_135_596_800L, -86_401, -1, 0, 1, 951_782_400 /* 2000-02-29 */, 1_764_720_000, 4_107_542_400L /* 2100-03-01 */, 253_402_300_799L};
    int[] nanos = {0, 1, 999_999_999, 1_000, 123_000, 1_000_000, 120_000_000, 123_456_789, 100};
    for (long s : seconds) {
      for (int n : nanos) {
        Timestamp value = Timestamp.newBuilder().setSeconds(s).setNanos(n).build();
        assertEquals(Timestamps.toString(value), RoomEventJson.rfc3339(value));
      }
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 100_000; i++) {
      Timestamp value = Timestamp.newBuilder().setSeconds(random.nextLong(-62_135_596_800L, 253_402_300_800L)).setNanos(random.nextInt(1_000_000_000)).build();
      assertEquals(Timestamps.toString(value), RoomEventJson.rfc3339(value));
    }
  }

  @Test
  void leavesOtherEventsToTheProtobufPrinter() {
    RoomEvent.Builder room = RoomEvent.newBuilder().setRoomId("r").setSequence(3);
    assertNull(RoomEventJson.print(ServerEvent.newBuilder().setPong(PongEvent.getDefaultInstance()).build()), "not a room event");
    assertNull(RoomEventJson.print(event(room.clone().setAttachment(AttachmentPayload.newBuilder().setUri("https://x")))), "attachment");
    assertNull(
        RoomEventJson.print(event(room.clone().setCustom(Struct.newBuilder().putFields("k", Value.newBuilder().setBoolValue(true).build())))),
        "custom");
    assertNull(RoomEventJson.print(event(room.clone().setTypeValue(99))), "an enum number the schema does not name prints as a number");
    assertNull(RoomEventJson.print(event(room.clone().setSentTime(Timestamp.newBuilder().setSeconds(253_402_300_800L)))), "after year 9999");
    assertNull(RoomEventJson.print(event(room.clone().setEditTime(Timestamp.newBuilder().setNanos(-1)))), "negative nanos");
    assertNotNull(RoomEventJson.print(event(room.clone())), "no payload (a redaction)");
  }

  private static ServerEvent event(RoomEvent.Builder room) {
    return ServerEvent.newBuilder().setId("s1").setRoomEvent(room).build();
  }

  private static ServerEvent randomEvent(SplittableRandom random) {
    RoomEvent.Builder room = RoomEvent.newBuilder()
        .setId(text(random))
        .setRoomId(text(random))
        .setSenderProfileId(text(random))
        .setSenderDeviceId(text(random))
        .setParentId(text(random))
        .setClientEventId(text(random));
    EventType[] types = EventType.values();
    room.setType(types[random.nextInt(types.length - 1)]); // all but UNRECOGNIZED
    if (random.nextBoolean()) {
      room.setText(TextPayload.newBuilder().setText(text(random)).setFormat(random.nextBoolean() ? "markdown" : ""));
    }
    if (random.nextBoolean()) {
      room.setSentTime(timestamp(random));
    }
    if (random.nextInt(4) == 0) {
      room.setEditTime(timestamp(random));
    }
    room.setEdited(random.nextInt(4) == 0).setRedacted(random.nextInt(4) == 0);
    room.setSequence(random.nextInt(3) == 0 ? 0 : random.nextLong(Long.MIN_VALUE, Long.MAX_VALUE));
    ServerEvent.Builder event = ServerEvent.newBuilder().setId(text(random)).setFrameId(text(random)).setRoomEvent(room);
    if (random.nextBoolean()) {
      event.setTimestamp(timestamp(random));
    }
    return event.build();
  }

  private static Timestamp timestamp(SplittableRandom random) {
    int nanos = switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> random.nextInt(1_000) * 1_000_000;
      case 2 -> random.nextInt(1_000_000) * 1_000;
      default -> random.nextInt(1_000_000_000);
    };
    return Timestamp.newBuilder().setSeconds(random.nextLong(-62_135_596_800L, 253_402_300_800L)).setNanos(nanos).build();
  }

  /** Empty a third of the time; else ASCII with the characters JSON and HTML escape, and some beyond. */
  private static String text(SplittableRandom random) {
    if (random.nextInt(3) == 0) {
      return "";
    }
    String alphabet = "ab Z09\"\\/<>&='\t\n\r\b\f\u0000\u001f\u007f\u00e9\u2028\u2029\u4e2d\uD83D\uDE00";
    StringBuilder text = new StringBuilder();
    int length = 1 + random.nextInt(20);
    for (int i = 0; i < length; i++) {
      int at = random.nextInt(alphabet.length() - 1);
      char c = alphabet.charAt(at);
      // Keep surrogate pairs whole.
      if (Character.isHighSurrogate(c)) {
        text.append(c).append(alphabet.charAt(at + 1));
      } else if (!Character.isLowSurrogate(c)) {
        text.append(c);
      }
    }
    return text.toString();
  }
}
