package io.chatgateway.gateway.forward;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Treats a message as the bytes it was sent as: the gateway relays requests and responses it does
 * not need to read, so it skips the parse and re-serialize a protobuf marshaller would do.
 *
 * <p>Both directions copy exactly once: incoming messages are read into an array of their known
 * length, and outgoing arrays are drained into gRPC's buffer in one write.
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {

  public static final RawBytesMarshaller INSTANCE = new RawBytesMarshaller();

  private RawBytesMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new DrainableBytes(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      if (stream instanceof KnownLength) {
        byte[] message = new byte[stream.available()];
        int read = stream.readNBytes(message, 0, message.length);
        if (read == message.length) {
          return message;
        }
        throw new IOException("message shorter than its known length");
      }
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An array gRPC can size up front ({@link KnownLength}) and copy in one call ({@link Drainable}). */
  private static final class DrainableBytes extends ByteArrayInputStream implements Drainable, KnownLength {
    DrainableBytes(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int length = count - pos;
      target.write(buf, pos, length);
      pos = count;
      return length;
    }
  }
}
