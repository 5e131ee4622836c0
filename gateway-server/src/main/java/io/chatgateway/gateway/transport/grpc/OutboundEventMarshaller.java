package io.chatgateway.gateway.transport.grpc;

import io.chatgateway.gateway.forward.RawBytesMarshaller;
import io.chatgateway.gateway.session.OutboundEvent;
import io.grpc.MethodDescriptor;
import java.io.InputStream;

/**
 * Writes an {@link OutboundEvent} as the bytes it was encoded to once; the gateway never reads
 * outbound events back, so parsing is unsupported.
 */
public final class OutboundEventMarshaller implements MethodDescriptor.Marshaller<OutboundEvent> {

  public static final OutboundEventMarshaller INSTANCE = new OutboundEventMarshaller();

  private OutboundEventMarshaller() {}

  @Override
  public InputStream stream(OutboundEvent event) {
    return RawBytesMarshaller.INSTANCE.stream(event.binary());
  }

  @Override
  public OutboundEvent parse(InputStream stream) {
    throw new UnsupportedOperationException("the gateway only writes ServerEvents");
  }
}
