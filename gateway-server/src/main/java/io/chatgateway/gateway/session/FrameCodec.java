package io.chatgateway.gateway.session;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;

/** Decodes inbound frames with the limits every transport shares. Stateless. */
public final class FrameCodec {

  static final int MAX_FRAME_ID = 64;
  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser();

  private FrameCodec() {}

  /** A decoded frame, or why the bytes were refused. */
  public record Decoded(ConnectRequest request, String frameId, ErrorCode errorCode, String error) {
    public boolean ok() {
      return request != null;
    }

    static Decoded rejected(ErrorCode code, String error) {
      return new Decoded(null, "", code, error);
    }
  }

  /** Decodes the protobuf encoding of a {@link ConnectRequest}. */
  public static Decoded decodeBinary(byte[] bytes, int maxFrameBytes) {
    if (bytes.length > maxFrameBytes) {
      return Decoded.rejected(
          ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
          "frame of " + bytes.length + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
    }
    ConnectRequest request;
    try {
      request = ConnectRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return Decoded.rejected(ErrorCode.ERROR_CODE_INVALID_FRAME, "frame is not a chat.v1.ConnectRequest: " + e.getMessage());
    }
    return check(request);
  }

  /**
   * Decodes the protobuf JSON mapping of a {@link ConnectRequest}. Unknown fields and values of the
   * wrong type are errors, so a typo does not pass silently.
   */
  public static Decoded decodeJson(String text, int maxFrameBytes) {
    // A UTF-16 length over the limit is over it in UTF-8 too; a shorter one is measured exactly.
    if (text.length() > maxFrameBytes || utf8Length(text) > maxFrameBytes) {
      return Decoded.rejected(
          ErrorCode.ERROR_CODE_FRAME_TOO_LARGE,
          "frame of " + utf8Length(text) + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
    }
    ConnectRequest.Builder request = ConnectRequest.newBuilder();
    try {
      JSON_PARSER.merge(text, request);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return Decoded.rejected(ErrorCode.ERROR_CODE_INVALID_FRAME, "frame is not a chat.v1.ConnectRequest in JSON: " + e.getMessage());
    }
    return check(request.build());
  }

  private static int utf8Length(String text) {
    int bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static Decoded check(ConnectRequest request) {
    if (request.getFrameId().length() > MAX_FRAME_ID) {
      return Decoded.rejected(ErrorCode.ERROR_CODE_INVALID_FRAME, "frame_id must be at most " + MAX_FRAME_ID + " characters");
    }
    if (request.getFrameCase() == ConnectRequest.FrameCase.FRAME_NOT_SET) {
      return new Decoded(
          null,
          request.getFrameId(),
          ErrorCode.ERROR_CODE_INVALID_FRAME,
          "frame carries none of hello, subscribe, unsubscribe, send, typing, read_marker, receipt, presence, ping, refresh_token");
    }
    return new Decoded(request, request.getFrameId(), null, null);
  }
}
