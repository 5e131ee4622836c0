package io.chatgateway.gateway.session;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.chatgateway.proto.v1.ConnectRequest;

/**
 * The inbound frame decoder on any bytes and any text: a decoded frame with a frame set and a bounded
 * frame id, or a rejection with an error code and a message; never an exception.
 */
class FrameCodecFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void anyFrameDecodesOrIsRejectedWithACode(FuzzedDataProvider data) {
    int limit = data.consumeInt(256, 4096);
    boolean json = data.consumeBoolean();
    FrameCodec.Decoded decoded =
        json ? FrameCodec.decodeJson(data.consumeRemainingAsString(), limit) : FrameCodec.decodeBinary(data.consumeRemainingAsBytes(), limit);
    assertNotNull(decoded);
    if (decoded.ok()) {
      assertNotEquals(ConnectRequest.FrameCase.FRAME_NOT_SET, decoded.request().getFrameCase());
      assertTrue(decoded.frameId().length() <= FrameCodec.MAX_FRAME_ID);
    } else {
      assertNotNull(decoded.errorCode());
      assertNotNull(decoded.error());
    }
  }
}
