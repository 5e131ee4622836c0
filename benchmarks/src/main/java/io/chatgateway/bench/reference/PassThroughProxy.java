package io.chatgateway.bench.reference;

import io.chatgateway.gateway.forward.RawBytesMarshaller;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The reference for forwarding: a bare grpc-java proxy that passes every call's bytes, headers and
 * trailers to a backend, with flow control on both legs and nothing else: no auth, no parsing, no
 * deadlines, breaker, tracing or metrics; callbacks run on the transport threads (it never blocks).
 * What a second hop costs on the same cores: a gateway that forwards can at best match it.
 */
public final class PassThroughProxy implements ServerCallHandler<byte[], byte[]>, AutoCloseable {

  /** The gateway's own bytes marshaller, so both forwarders copy a message the same way. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytesMarshaller.INSTANCE;

  private final ManagedChannel backend;
  private Server server;

  private PassThroughProxy(ManagedChannel backend) {
    this.backend = backend;
  }

  /** A proxy on a free port in front of the server on {@code backendPort} of this host. */
  public static PassThroughProxy start(int backendPort) throws IOException {
    ManagedChannel backend = NettyChannelBuilder.forAddress("localhost", backendPort).usePlaintext().directExecutor().build();
    PassThroughProxy proxy = new PassThroughProxy(backend);
    HandlerRegistry everyMethod =
        new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            MethodDescriptor<byte[], byte[]> method =
                MethodDescriptor.newBuilder(BYTES, BYTES).setFullMethodName(methodName).setType(MethodDescriptor.MethodType.UNKNOWN).build();
            return ServerMethodDefinition.create(method, proxy);
          }
        };
    proxy.server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).directExecutor().fallbackHandlerRegistry(everyMethod).build().start();
    return proxy;
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> serverCall, Metadata headers) {
    ClientCall<byte[], byte[]> clientCall = backend.newCall(serverCall.getMethodDescriptor(), CallOptions.DEFAULT);
    clientCall.start(
        new ClientCall.Listener<>() {
          @Override
          public void onHeaders(Metadata responseHeaders) {
            serverCall.sendHeaders(responseHeaders);
          }

          @Override
          public void onMessage(byte[] message) {
            serverCall.sendMessage(message);
            clientCall.request(1); // one message at a time each way: the next is asked for once this one is handed on
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            serverCall.close(status, trailers);
          }
        },
        headers);
    clientCall.request(1);
    serverCall.request(1);
    return new ServerCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        clientCall.sendMessage(message);
        serverCall.request(1);
      }

      @Override
      public void onHalfClose() {
        clientCall.halfClose();
      }

      @Override
      public void onCancel() {
        clientCall.cancel("the caller cancelled", null);
      }
    };
  }
}
