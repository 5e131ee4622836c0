package io.chatgateway.gateway.session;

import com.google.gson.stream.JsonWriter;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Timestamp;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * Prints the commonest fanned-out event, a {@code ServerEvent} carrying a text or payload-less
 * {@code RoomEvent}, exactly as protobuf's {@code JsonFormat} printer (without insignificant
 * whitespace) would, about ten times faster: that printer walks each message by reflection and
 * formats timestamps with a {@code SimpleDateFormat}, about 10 µs per event, which was a tenth of
 * the gateway's CPU with WebSocket text clients. Every other event is left to that printer: {@link
 * #print} answers {@code null} for it.
 *
 * <p>Strings are escaped by Gson's writer in its HTML-safe mode, which is what {@code JsonFormat}
 * uses; field names are the schema's JSON names, read from its descriptors. Should the schema gain a field this class does
 * not print, {@link #COVERS_SCHEMA} turns it off (every event goes to the printer) rather than
 * leave the field out. Stateless and thread-safe.
 */
final class RoomEventJson {

  /** Whether this class prints every field the messages it handles have; see the class comment. */
  static final boolean COVERS_SCHEMA =
      coversFields(ServerEvent.getDescriptor(), Set.of(1, 2, 3), Set.of(ServerEvent.ROOM_EVENT_FIELD_NUMBER))
          && coversFields(RoomEvent.getDescriptor(), Set.of(1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16, 17), Set.of(RoomEvent.TEXT_FIELD_NUMBER))
          && coversFields(TextPayload.getDescriptor(), Set.of(1, 2), Set.of());

  // Field names as the schema spells them in JSON.
  private static final String EVENT_ID = jsonName(ServerEvent.getDescriptor(), ServerEvent.ID_FIELD_NUMBER);
  private static final String EVENT_TIMESTAMP = jsonName(ServerEvent.getDescriptor(), ServerEvent.TIMESTAMP_FIELD_NUMBER);
  private static final String EVENT_FRAME_ID = jsonName(ServerEvent.getDescriptor(), ServerEvent.FRAME_ID_FIELD_NUMBER);
  private static final String EVENT_ROOM_EVENT = jsonName(ServerEvent.getDescriptor(), ServerEvent.ROOM_EVENT_FIELD_NUMBER);
  private static final String ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.ID_FIELD_NUMBER);
  private static final String ROOM_ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.ROOM_ID_FIELD_NUMBER);
  private static final String SENDER_PROFILE_ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.SENDER_PROFILE_ID_FIELD_NUMBER);
  private static final String SENDER_DEVICE_ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.SENDER_DEVICE_ID_FIELD_NUMBER);
  private static final String TYPE = jsonName(RoomEvent.getDescriptor(), RoomEvent.TYPE_FIELD_NUMBER);
  private static final String TEXT = jsonName(RoomEvent.getDescriptor(), RoomEvent.TEXT_FIELD_NUMBER);
  private static final String SENT_TIME = jsonName(RoomEvent.getDescriptor(), RoomEvent.SENT_TIME_FIELD_NUMBER);
  private static final String EDITED = jsonName(RoomEvent.getDescriptor(), RoomEvent.EDITED_FIELD_NUMBER);
  private static final String EDIT_TIME = jsonName(RoomEvent.getDescriptor(), RoomEvent.EDIT_TIME_FIELD_NUMBER);
  private static final String REDACTED = jsonName(RoomEvent.getDescriptor(), RoomEvent.REDACTED_FIELD_NUMBER);
  private static final String PARENT_ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.PARENT_ID_FIELD_NUMBER);
  private static final String SEQUENCE = jsonName(RoomEvent.getDescriptor(), RoomEvent.SEQUENCE_FIELD_NUMBER);
  private static final String CLIENT_EVENT_ID = jsonName(RoomEvent.getDescriptor(), RoomEvent.CLIENT_EVENT_ID_FIELD_NUMBER);
  private static final String TEXT_TEXT = jsonName(TextPayload.getDescriptor(), TextPayload.TEXT_FIELD_NUMBER);
  private static final String TEXT_FORMAT = jsonName(TextPayload.getDescriptor(), TextPayload.FORMAT_FIELD_NUMBER);

  // The earliest and latest instants a protobuf Timestamp may hold: 0001-01-01 and 9999-12-31.
  private static final long MIN_SECONDS = -62_135_596_800L;
  private static final long MAX_SECONDS = 253_402_300_799L;

  private RoomEventJson() {}

  /** The JSON of {@code event}, or {@code null} when it is not one this class prints. */
  static String print(ServerEvent event) {
    if (!COVERS_SCHEMA || !event.hasRoomEvent() || !printable(event)) {
      return null;
    }
    StringWriter text = new StringWriter(256);
    JsonWriter out = new JsonWriter(text);
    out.setHtmlSafe(true);
    try {
      out.beginObject();
      string(out, EVENT_ID, event.getId());
      timestamp(out, EVENT_TIMESTAMP, event.hasTimestamp(), event.getTimestamp());
      string(out, EVENT_FRAME_ID, event.getFrameId());
      out.name(EVENT_ROOM_EVENT);
      roomEvent(out, event.getRoomEvent());
      out.endObject();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("a StringWriter does not fail", e);
    }
    return text.toString();
  }

  /** Whether every part of the event is one this class prints as the printer would. */
  private static boolean printable(ServerEvent event) {
    RoomEvent room = event.getRoomEvent();
    return (room.getPayloadCase() == RoomEvent.PayloadCase.TEXT || room.getPayloadCase() == RoomEvent.PayloadCase.PAYLOAD_NOT_SET)
        // An unknown enum number prints as a number; leave that to the printer.
        && room.getType() != EventType.UNRECOGNIZED
        && valid(event.getTimestamp())
        && valid(room.getSentTime())
        && valid(room.getEditTime());
  }

  private static void roomEvent(JsonWriter out, RoomEvent room) throws IOException {
    out.beginObject();
    string(out, ID, room.getId());
    string(out, ROOM_ID, room.getRoomId());
    string(out, SENDER_PROFILE_ID, room.getSenderProfileId());
    string(out, SENDER_DEVICE_ID, room.getSenderDeviceId());
    if (room.getTypeValue() != 0) {
      out.name(TYPE).value(room.getType().name());
    }
    if (room.hasText()) {
      out.name(TEXT).beginObject();
      string(out, TEXT_TEXT, room.getText().getText());
      string(out, TEXT_FORMAT, room.getText().getFormat());
      out.endObject();
    }
    timestamp(out, SENT_TIME, room.hasSentTime(), room.getSentTime());
    if (room.getEdited()) {
      out.name(EDITED).value(true);
    }
    timestamp(out, EDIT_TIME, room.hasEditTime(), room.getEditTime());
    if (room.getRedacted()) {
      out.name(REDACTED).value(true);
    }
    string(out, PARENT_ID, room.getParentId());
    if (room.getSequence() != 0) {
      // int64 is a string in protobuf's JSON: JavaScript numbers lose digits past 2^53.
      out.name(SEQUENCE).value(Long.toString(room.getSequence()));
    }
    string(out, CLIENT_EVENT_ID, room.getClientEventId());
    out.endObject();
  }

  /** A string field; the empty string is its default and is left out, as the printer does. */
  private static void string(JsonWriter out, String name, String value) throws IOException {
    if (!value.isEmpty()) {
      out.name(name).value(value);
    }
  }

  private static void timestamp(JsonWriter out, String name, boolean present, Timestamp value) throws IOException {
    if (present) {
      out.name(name).value(rfc3339(value));
    }
  }

  private static boolean valid(Timestamp value) {
    return value.getSeconds() >= MIN_SECONDS && value.getSeconds() <= MAX_SECONDS && value.getNanos() >= 0 && value.getNanos() <= 999_999_999;
  }

  /**
   * RFC 3339 in UTC as protobuf prints a Timestamp: no fraction for whole seconds, else 3, 6 or 9
   * digits, the fewest that hold the nanoseconds.
   */
  static String rfc3339(Timestamp value) {
    long days = Math.floorDiv(value.getSeconds(), 86_400);
    int secondOfDay = (int) Math.floorMod(value.getSeconds(), 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    long z = days + 719_468;
    long era = Math.floorDiv(z, 146_097);
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long monthIndex = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * monthIndex + 2) / 5 + 1);
    int month = (int) (monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);

    StringBuilder text = new StringBuilder(30);
    digits(text, year, 4).append('-');
    digits(text, month, 2).append('-');
    digits(text, day, 2).append('T');
    digits(text, secondOfDay / 3_600, 2).append(':');
    digits(text, secondOfDay / 60 % 60, 2).append(':');
    digits(text, secondOfDay % 60, 2);
    int nanos = value.getNanos();
    if (nanos != 0) {
      text.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(text, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        digits(text, nanos / 1_000, 6);
      } else {
        digits(text, nanos, 9);
      }
    }
    return text.append('Z').toString();
  }

  private static StringBuilder digits(StringBuilder text, long value, int width) {
    String number = Long.toString(value);
    for (int i = number.length(); i < width; i++) {
      text.append('0');
    }
    return text.append(number);
  }

  private static String jsonName(Descriptor message, int number) {
    return message.findFieldByNumber(number).getJsonName();
  }

  /**
   * Whether {@code message}'s fields are exactly {@code printed} plus, of its oneof, at most {@code
   * printedCases}: the other cases are events this class hands to the printer, so they may be
   * anything; a field outside a oneof that this class does not know would be left out.
   */
  private static boolean coversFields(Descriptor message, Set<Integer> printed, Set<Integer> printedCases) {
    List<FieldDescriptor> fields = message.getFields();
    for (FieldDescriptor field : fields) {
      boolean inOneof = field.getRealContainingOneof() != null;
      if (!inOneof && !printed.contains(field.getNumber())) {
        return false;
      }
    }
    for (int number : printed) {
      FieldDescriptor field = message.findFieldByNumber(number);
      if (field == null || field.getRealContainingOneof() != null) {
        return false;
      }
    }
    for (int number : printedCases) {
      FieldDescriptor field = message.findFieldByNumber(number);
      if (field == null || field.getRealContainingOneof() == null) {
        return false;
      }
    }
    return true;
  }
}
