package io.chatgateway.gateway.session;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Timestamp;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.ServerEvent;
import io.chatgateway.proto.v1.TextPayload;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Prints the commonest fanned-out event, a {@code ServerEvent} carrying a text or payload-less
 * {@code RoomEvent}, exactly as protobuf's {@code JsonFormat} printer (without insignificant
 * whitespace) would, about five times faster: that printer walks each message by reflection and
 * formats timestamps with a {@code SimpleDateFormat} (5.1 µs per room event against 0.9, the event's
 * protobuf encoding included, in {@code bench/run.sh micro}'s {@code jsonOfOneEvent*}), and its
 * printing was a tenth of the gateway's CPU with WebSocket text clients at max rate. Every other
 * event is left to that printer: {@link #print} answers {@code null} for it.
 *
 * <p>Strings are escaped as Gson's writer escapes them in its HTML-safe mode, which is what {@code
 * JsonFormat} uses; field names are the schema's JSON names, read from its descriptors. Should the
 * schema gain a field this class does not print, {@link #COVERS_SCHEMA} turns it off (every event
 * goes to the printer) rather than leave the field out. Stateless and thread-safe.
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
    Out out = new Out();
    out.beginObject();
    out.string(EVENT_ID, event.getId());
    out.timestamp(EVENT_TIMESTAMP, event.hasTimestamp(), event.getTimestamp());
    out.string(EVENT_FRAME_ID, event.getFrameId());
    out.name(EVENT_ROOM_EVENT);
    roomEvent(out, event.getRoomEvent());
    out.endObject();
    return out.text.toString();
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

  private static void roomEvent(Out out, RoomEvent room) {
    out.beginObject();
    out.string(ID, room.getId());
    out.string(ROOM_ID, room.getRoomId());
    out.string(SENDER_PROFILE_ID, room.getSenderProfileId());
    out.string(SENDER_DEVICE_ID, room.getSenderDeviceId());
    if (room.getTypeValue() != 0) {
      out.name(TYPE).quoted(room.getType().name());
    }
    if (room.hasText()) {
      out.name(TEXT).beginObject();
      out.string(TEXT_TEXT, room.getText().getText());
      out.string(TEXT_FORMAT, room.getText().getFormat());
      out.endObject();
    }
    out.timestamp(SENT_TIME, room.hasSentTime(), room.getSentTime());
    if (room.getEdited()) {
      out.name(EDITED).literal("true");
    }
    out.timestamp(EDIT_TIME, room.hasEditTime(), room.getEditTime());
    if (room.getRedacted()) {
      out.name(REDACTED).literal("true");
    }
    out.string(PARENT_ID, room.getParentId());
    if (room.getSequence() != 0) {
      // int64 is a string in protobuf's JSON: JavaScript numbers lose digits past 2^53.
      out.name(SEQUENCE).quoted(Long.toString(room.getSequence()));
    }
    out.string(CLIENT_EVENT_ID, room.getClientEventId());
    out.endObject();
  }

  private static boolean valid(Timestamp value) {
    return value.getSeconds() >= MIN_SECONDS && value.getSeconds() <= MAX_SECONDS && value.getNanos() >= 0 && value.getNanos() <= 999_999_999;
  }

  /**
   * RFC 3339 in UTC as protobuf prints a Timestamp: no fraction for whole seconds, else 3, 6 or 9
   * digits, the fewest that hold the nanoseconds.
   */
  static String rfc3339(Timestamp value) {
    StringBuilder text = new StringBuilder(30);
    appendRfc3339(text, value);
    return text.toString();
  }

  private static void appendRfc3339(StringBuilder text, Timestamp value) {
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
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));

    digits(text, year, 1_000).append('-');
    digits(text, month, 10).append('-');
    digits(text, day, 10).append('T');
    digits(text, secondOfDay / 3_600, 10).append(':');
    digits(text, secondOfDay / 60 % 60, 10).append(':');
    digits(text, secondOfDay % 60, 10);
    int nanos = value.getNanos();
    if (nanos != 0) {
      text.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(text, nanos / 1_000_000, 100);
      } else if (nanos % 1_000 == 0) {
        digits(text, nanos / 1_000, 100_000);
      } else {
        digits(text, nanos, 100_000_000);
      }
    }
    text.append('Z');
  }

  /** {@code value}'s decimal digits from the one worth {@code highest} down, zero-padded. */
  private static StringBuilder digits(StringBuilder text, int value, int highest) {
    for (int unit = highest; unit > 0; unit /= 10) {
      text.append((char) ('0' + value / unit % 10));
    }
    return text;
  }

  /**
   * The text being printed, and whether the innermost open object has a field yet (for commas).
   * One per {@link #print} call.
   */
  private static final class Out {
    final StringBuilder text = new StringBuilder(320);
    private boolean first;

    void beginObject() {
      text.append('{');
      first = true;
    }

    void endObject() {
      text.append('}');
      first = false; // the object just closed was its parent's field
    }

    /** Starts a field; names are the schema's identifiers, with nothing to escape. */
    Out name(String name) {
      if (!first) {
        text.append(',');
      }
      first = false;
      text.append('"').append(name).append("\":");
      return this;
    }

    /** A value that needs no quoting or escaping ({@code true}). */
    void literal(String value) {
      text.append(value);
    }

    /** A string field; the empty string is its default and is left out, as the printer does. */
    void string(String name, String value) {
      if (!value.isEmpty()) {
        name(name).quoted(value);
      }
    }

    void timestamp(String name, boolean present, Timestamp value) {
      if (present) {
        name(name);
        text.append('"');
        appendRfc3339(text, value);
        text.append('"');
      }
    }

    /** {@code value} as a JSON string, escaped as Gson's HTML-safe writer (protobuf's) escapes it. */
    void quoted(String value) {
      text.append('"');
      int clean = 0; // start of the run not yet appended
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        String escaped;
        if (c < ESCAPES.length) {
          escaped = ESCAPES[c];
        } else if (c == '\u2028') {
          escaped = "\\u2028";
        } else if (c == '\u2029') {
          escaped = "\\u2029";
        } else {
          continue;
        }
        if (escaped != null) {
          text.append(value, clean, i).append(escaped);
          clean = i + 1;
        }
      }
      text.append(value, clean, value.length()).append('"');
    }
  }

  /**
   * How each ASCII character is escaped, null for as it is: control characters, the quote and the
   * backslash as JSON requires, and {@code < > & = '} as Gson's HTML-safe mode does (so that the
   * text is safe inside HTML and matches protobuf's printer byte for byte).
   */
  private static final String[] ESCAPES = new String[128];

  static {
    for (int c = 0; c < 0x20; c++) {
      ESCAPES[c] = String.format(Locale.ROOT, "\\u%04x", c);
    }
    ESCAPES['"'] = "\\\"";
    ESCAPES['\\'] = "\\\\";
    ESCAPES['\t'] = "\\t";
    ESCAPES['\b'] = "\\b";
    ESCAPES['\n'] = "\\n";
    ESCAPES['\r'] = "\\r";
    ESCAPES['\f'] = "\\f";
    for (char c : new char[] {'<', '>', '&', '=', '\''}) {
      ESCAPES[c] = String.format(Locale.ROOT, "\\u%04x", (int) c);
    }
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
