package io.chatgateway.core;

import com.google.protobuf.Message;
import io.chatgateway.client.Ids;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;

/**
 * Validation of request fields against the limits documented in the contract. Every check throws
 * {@code INVALID_ARGUMENT} naming the field.
 */
final class RequestLimits {

  static final int MAX_ROOM_NAME = 200;
  static final int MAX_DESCRIPTION = 2_000;
  static final int MAX_METADATA_BYTES = 8 * 1024;
  static final int MAX_TEXT_BYTES = 16 * 1024;
  static final int MAX_CUSTOM_BYTES = 16 * 1024;
  static final int MAX_REACTION_KEY_BYTES = 64;
  static final int MAX_CLIENT_EVENT_ID = 128;
  static final int MAX_URI = 2_048;
  static final int MAX_BATCH = 1_000;
  static final int MAX_NOTICE_TEXT = 2_000;

  private RequestLimits() {}

  static String roomId(String roomId) {
    String problem = Ids.roomProblem("room_id", roomId);
    if (problem != null) {
      throw invalid(problem);
    }
    return roomId;
  }

  /** A profile id named in a request (a member to add, say): the same rule as the caller's own id. */
  static String profileId(String field, String profileId) {
    String problem = Ids.problem(field, profileId);
    if (problem != null) {
      throw invalid(problem);
    }
    return profileId;
  }

  static void length(String field, String value, int min, int max) {
    if (value.length() < min || value.length() > max) {
      throw invalid(field + " must be " + min + " to " + max + " characters, got " + value.length());
    }
  }

  static void utf8Bytes(String field, String value, int min, int max) {
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < min || bytes > max) {
      throw invalid(field + " must be " + min + " to " + max + " UTF-8 bytes, got " + bytes);
    }
  }

  static void encodedSize(String field, Message value, int max) {
    int size = value.getSerializedSize();
    if (size > max) {
      throw invalid(field + " must be at most " + max + " bytes encoded, got " + size);
    }
  }

  static void batch(String field, int count) {
    if (count > MAX_BATCH) {
      throw invalid(field + " must have at most " + MAX_BATCH + " entries, got " + count);
    }
  }

  static int pageSize(String field, int requested, int defaultSize, int max) {
    if (requested < 0 || requested > max) {
      throw invalid(field + " must be 0 to " + max + ", got " + requested);
    }
    return requested == 0 ? defaultSize : requested;
  }

  static RuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }
}
