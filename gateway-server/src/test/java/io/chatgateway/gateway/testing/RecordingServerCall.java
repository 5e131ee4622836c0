package io.chatgateway.gateway.testing;

import io.chatgateway.gateway.forward.RawBytesMarshaller;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * A server call of the given type that goes nowhere, for unit tests of interceptors and executors:
 * it records the status it was closed with, if any. Not thread-safe: one test thread drives it.
 */
public final class RecordingServerCall extends ServerCall<byte[], byte[]> {

  private final MethodDescriptor<byte[], byte[]> method;
  private Status closedWith;

  public RecordingServerCall(MethodDescriptor.MethodType type) {
    this.method =
        MethodDescriptor.newBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE).setFullMethodName("chat.v1.ChatService/Any").setType(type).build();
  }

  /** The status the call was closed with; null while it is open. */
  public Status closedWith() {
    return closedWith;
  }

  @Override
  public void request(int numMessages) {}

  @Override
  public void sendHeaders(Metadata headers) {}

  @Override
  public void sendMessage(byte[] message) {}

  @Override
  public void close(Status status, Metadata trailers) {
    closedWith = status;
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public Attributes getAttributes() {
    return Attributes.EMPTY;
  }

  @Override
  public MethodDescriptor<byte[], byte[]> getMethodDescriptor() {
    return method;
  }
}
