package io.chatgateway.gateway.session;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chatgateway.proto.v1.ConnectRequest;
import io.chatgateway.proto.v1.ErrorCode;

/** Decodes inbound frames with the limits every transport shares. Stateless. */
final class FrameCodec {

  static final int MAX_FRAME_ID = 64;

  private FrameCodec() {}

  /** A decoded frame, or why the bytes were refused. */
  record Decoded(ConnectRequest request, String frameId, ErrorCode errorCode, String error) {
    boolean ok() {
      return request != null;
    }

    static Decoded rejected(ErrorCode code, String error) {
      return new Decoded(null, "", code, error);
    }
  }

  /** Decodes the protobuf encoding of a {@link ConnectRequest}. */
  static Decoded decodeBinary(byte[] bytes, int maxFrameBytes) {
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
