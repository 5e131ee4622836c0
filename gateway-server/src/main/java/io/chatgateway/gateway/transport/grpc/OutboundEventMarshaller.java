package io.chatgateway.gateway.transport.grpc;

import io.chatgateway.gateway.session.OutboundEvent;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Writes an {@link OutboundEvent} as the bytes it was encoded to once; the gateway never reads
 * outbound events back, so parsing is unsupported.
 */
public final class OutboundEventMarshaller implements MethodDescriptor.Marshaller<OutboundEvent> {

  public static final OutboundEventMarshaller INSTANCE = new OutboundEventMarshaller();

  private OutboundEventMarshaller() {}

  @Override
  public InputStream stream(OutboundEvent event) {
    return new EventStream(event);
  }

  @Override
  public OutboundEvent parse(InputStream stream) {
    throw new UnsupportedOperationException("the gateway only writes ServerEvents");
  }

  /**
   * One event as gRPC's framer takes it: its length known up front ({@link KnownLength}) and its
   * bytes drained into the transport's buffer ({@link Drainable}), a batch's straight from its
   * events' bytes ({@link OutboundEvent#writeBinary}). Read as a plain stream only by a caller that
   * does not drain; then it reads the event's made encoding. Confined to the thread writing the
   * message, as gRPC uses it.
   */
  private static final class EventStream extends InputStream implements Drainable, KnownLength {
    private final OutboundEvent event;
    private boolean drained;
    private ByteArrayInputStream reading; // made by the first read, if any

    EventStream(OutboundEvent event) {
      this.event = event;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      if (reading != null) {
        return (int) reading.transferTo(target);
      }
      if (drained) {
        return 0;
      }
      drained = true;
      event.writeBinary(target);
      return event.size();
    }

    @Override
    public int available() {
      if (reading != null) {
        return reading.available();
      }
      return drained ? 0 : event.size();
    }

    @Override
    public int read() {
      return reading().read();
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      return reading().read(into, offset, length);
    }

    private ByteArrayInputStream reading() {
      if (reading == null) {
        reading = new ByteArrayInputStream(drained ? new byte[0] : event.binary());
      }
      return reading;
    }
  }
}
