package io.chatgateway.gateway.forward;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Treats a message as the bytes it was sent as: the gateway relays requests and responses it does
 * not need to read, so it skips the parse and re-serialize a protobuf marshaller would do.
 */
final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {

  static final RawBytesMarshaller INSTANCE = new RawBytesMarshaller();

  private RawBytesMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
