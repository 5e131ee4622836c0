package io.chatgateway.gateway.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.client.Utf8;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * How messages travel in an HTTP RPC body: protobuf's JSON mapping or its binary encoding. The
 * same two for every protocol of the HTTP port (Connect and gRPC-Web). Stateless.
 */
enum MessageCodec {
  JSON {
    @Override
    byte[] encode(Message message) {
      try {
        return PRINTER.print(message).getBytes(StandardCharsets.UTF_8);
      } catch (InvalidProtocolBufferException e) {
        // Only Any fields of unknown types fail to print, and the contract has none.
        throw new IllegalStateException("cannot print a " + message.getDescriptorForType().getFullName() + " as JSON", e);
      }
    }
  },
  PROTO {
    @Override
    byte[] encode(Message message) {
      return message.toByteArray();
    }
  };

  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

  /** {@code message} in this encoding. */
  abstract byte[] encode(Message message);

  /**
   * {@code bytes} decoded as {@code prototype}'s type: JSON must be strict UTF-8.
   *
   * @throws IllegalArgumentException saying what is wrong with the bytes
   */
  Message decode(Message prototype, byte[] bytes) {
    Message.Builder message = prototype.newBuilderForType();
    String type = message.getDescriptorForType().getFullName();
    try {
      if (this == JSON) {
        PARSER.merge(Utf8.decodeStrictly(bytes), message);
      } else {
        message.mergeFrom(bytes);
      }
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("request is not a " + type + ": the JSON body is not UTF-8");
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The JSON parser throws unchecked exceptions for some inputs (deep nesting, bad numbers).
      throw new IllegalArgumentException("request is not a " + type + ": " + e.getMessage());
    }
    return message.build();
  }
}
