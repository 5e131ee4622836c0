package io.chatgateway.bus;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chatgateway.client.Ids;
import io.chatgateway.proto.v1.BusEnvelope;

/**
 * Reads what arrives on a room channel. Whoever can publish to Redis can put any bytes there, so an
 * envelope is taken only if it decodes, carries a payload, and names the room of the channel it came
 * on: an envelope for room B published on room A's channel must not reach B's devices through A.
 * Stateless.
 */
public final class BusEnvelopes {

  private BusEnvelopes() {}

  /**
   * The envelope in {@code message}, received on the channel of {@code channelRoomId}.
   *
   * @throws IllegalArgumentException saying why the message is not one to deliver
   */
  public static BusEnvelope decode(String channelRoomId, byte[] message) {
    BusEnvelope envelope;
    try {
      envelope = BusEnvelope.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a chat.v1.BusEnvelope: " + e.getMessage());
    }
    if (!envelope.getRoomId().equals(channelRoomId)) {
      throw new IllegalArgumentException(
          "envelope names room '" + clip(envelope.getRoomId()) + "' but came on the channel of room '" + clip(channelRoomId) + "'");
    }
    if (!Ids.isRoomId(channelRoomId)) {
      throw new IllegalArgumentException(Ids.roomProblem("room id", channelRoomId));
    }
    if (envelope.getPayloadCase() == BusEnvelope.PayloadCase.PAYLOAD_NOT_SET) {
      throw new IllegalArgumentException("envelope carries no payload (or one this gateway does not know)");
    }
    return envelope;
  }

  private static String clip(String value) {
    return value.length() <= 40 ? value : value.substring(0, 40) + "...";
  }
}
