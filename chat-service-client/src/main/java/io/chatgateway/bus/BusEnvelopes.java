package io.chatgateway.bus;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chatgateway.client.Ids;
import io.chatgateway.proto.v1.BusEnvelope;
import io.chatgateway.proto.v1.PresenceEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Reads what arrives on a room channel. Whoever can publish to Redis can put any bytes there, so an
 * envelope is taken only if it decodes, carries a payload, and names the room of the channel it came
 * on: an envelope for room B published on room A's channel must not reach B's devices through A.
 * Stateless.
 */
public final class BusEnvelopes {

  private BusEnvelopes() {}

  /**
   * One presence change as published to each of {@code rooms}: the same {@code presence} in every
   * copy, with {@code presence_room_count} saying how many copies there are, so gateways deliver it
   * once per recipient. Publish time is the change's own time.
   */
  public static List<BusEnvelope> presence(String originId, PresenceEvent presence, Collection<String> rooms) {
    List<BusEnvelope> copies = new ArrayList<>(rooms.size());
    for (String roomId : rooms) {
      copies.add(
          BusEnvelope.newBuilder()
              .setRoomId(roomId)
              .setOriginId(originId)
              .setPublishTime(presence.getLastSeenTime())
              .setPresenceRoomCount(rooms.size())
              .setPresence(presence)
              .build());
    }
    return copies;
  }

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
    if (!envelope.getProfileId().isEmpty()) {
      throw new IllegalArgumentException("envelope for a profile's devices came on the channel of room '" + Ids.clip(channelRoomId) + "'");
    }
    if (!envelope.getRoomId().equals(channelRoomId)) {
      throw new IllegalArgumentException(
          "envelope names room '" + Ids.clip(envelope.getRoomId()) + "' but came on the channel of room '" + Ids.clip(channelRoomId) + "'");
    }
    if (!Ids.isRoomId(channelRoomId)) {
      throw new IllegalArgumentException(Ids.roomProblem("room id", channelRoomId));
    }
    if (envelope.getPayloadCase() == BusEnvelope.PayloadCase.PAYLOAD_NOT_SET) {
      throw new IllegalArgumentException("envelope carries no payload (or one this gateway does not know)");
    }
    return envelope;
  }

  /**
   * An envelope that arrived on a profile's channel ({@link RedisChannels#user}), whose escaped id is
   * {@code channelProfile}: it must name that profile, and carry a membership change or a read marker
   * of a valid room, or a notice.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static BusEnvelope decodeForProfile(String channelProfile, byte[] message) {
    BusEnvelope envelope;
    try {
      envelope = BusEnvelope.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a chat.v1.BusEnvelope: " + e.getMessage());
    }
    if (envelope.getProfileId().isEmpty() || !RedisChannels.escape(envelope.getProfileId()).equals(channelProfile)) {
      throw new IllegalArgumentException("envelope names profile '" + Ids.clip(envelope.getProfileId()) + "' but came on the channel of '" + Ids.clip(channelProfile) + "'");
    }
    switch (envelope.getPayloadCase()) {
      case NOTICE -> {}
      case MEMBERSHIP_CHANGE, READ_MARKER -> {
        if (!Ids.isRoomId(envelope.getRoomId())) {
          throw new IllegalArgumentException(Ids.roomProblem("room id", envelope.getRoomId()));
        }
      }
      default -> throw new IllegalArgumentException("envelope for a profile's devices must carry a membership change, a read marker or a notice");
    }
    return envelope;
  }
}
