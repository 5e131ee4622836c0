package io.chatgateway.grpc;

import static java.util.Objects.requireNonNull;

import io.chatgateway.logging.ThrottledLog;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Serves a service so that a request message that cannot be decoded ends its call with
 * INVALID_ARGUMENT ("request is not a valid chat.v1.X: ..."), on unary, server-streaming and
 * streaming methods alike.
 *
 * <p>Without this, grpc-java lets the marshaller's exception escape, answers UNKNOWN "Application
 * error processing RPC" and logs a SEVERE stack trace per request: garbage bytes would be a lever to
 * flood the log. Here the marshaller catches the failure and hands the method a marker instead, and
 * the call is closed before the method's handler sees anything. At most one line per 10 s goes to
 * the log, at FINE, without a stack trace ({@link ThrottledLog}).
 *
 * <p>Stateless per call; the one log throttle is shared by every guarded service.
 */
public final class UndecodableRequests {

  private static final ThrottledLog log =
      new ThrottledLog(Logger.getLogger(UndecodableRequests.class.getName()), Level.FINE, Duration.ofSeconds(10));

  private UndecodableRequests() {}

  /** {@code service} with every method's request decoding guarded; the schema descriptor is kept. */
  public static ServerServiceDefinition guard(ServerServiceDefinition service) {
    requireNonNull(service, "service");
    ServiceDescriptor original = service.getServiceDescriptor();
    ServiceDescriptor.Builder descriptor =
        ServiceDescriptor.newBuilder(original.getName()).setSchemaDescriptor(original.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      ServerMethodDefinition<?, ?> guarded = guard(method);
      descriptor.addMethod(guarded.getMethodDescriptor());
      methods.add(guarded);
    }
    ServerServiceDefinition.Builder guardedService = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(guardedService::addMethod);
    return guardedService.build();
  }

  /** One method, guarded. */
  public static <ReqT, RespT> ServerMethodDefinition<Object, RespT> guard(ServerMethodDefinition<ReqT, RespT> definition) {
    MethodDescriptor<ReqT, RespT> method = definition.getMethodDescriptor();
    MethodDescriptor<Object, RespT> guarded =
        method.toBuilder(new GuardedMarshaller<>(method.getRequestMarshaller(), method.getFullMethodName()), method.getResponseMarshaller()).build();
    return ServerMethodDefinition.create(guarded, new GuardedHandler<>(definition.getServerCallHandler()));
  }

  /** What the guarded marshaller yields for bytes the real one could not decode. */
  private record Undecodable(String why) {}

  private static final class GuardedMarshaller<T> implements MethodDescriptor.Marshaller<Object> {
    private final MethodDescriptor.Marshaller<T> decoder;
    private final String methodName;

    GuardedMarshaller(MethodDescriptor.Marshaller<T> decoder, String methodName) {
      this.decoder = decoder;
      this.methodName = methodName;
    }

    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return decoder.stream((T) value);
    }

    @Override
    public Object parse(InputStream stream) {
      try {
        return decoder.parse(stream);
      } catch (RuntimeException e) {
        // grpc-java's protobuf marshaller throws INTERNAL "Invalid protobuf byte sequence" with the
        // parser's exception as cause; the cause says what was wrong.
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        log.log(() -> "undecodable request to " + methodName + ": " + why);
        return new Undecodable("request of " + methodName + " cannot be decoded: " + why);
      }
    }
  }

  private static final class GuardedHandler<ReqT, RespT> implements ServerCallHandler<Object, RespT> {
    private final ServerCallHandler<ReqT, RespT> next;

    GuardedHandler(ServerCallHandler<ReqT, RespT> next) {
      this.next = next;
    }

    @Override
    @SuppressWarnings("unchecked")
    public ServerCall.Listener<Object> startCall(ServerCall<Object, RespT> call, Metadata headers) {
      GuardedCall<RespT> guarded = new GuardedCall<>(call);
      // The method only ever receives decoded messages (the marker never reaches it), so the call is
      // safe to hand over as a call of the method's own request type.
      ServerCall.Listener<ReqT> delegate = next.startCall((ServerCall<ReqT, RespT>) (ServerCall<?, RespT>) guarded, headers);
      return new ForwardingServerCallListener<>() {
        @Override
        protected ServerCall.Listener<Object> delegate() {
          return (ServerCall.Listener<Object>) (ServerCall.Listener<?>) delegate;
        }

        @Override
        public void onMessage(Object message) {
          if (guarded.rejected()) {
            return;
          }
          if (message instanceof Undecodable undecodable) {
            guarded.reject(Status.INVALID_ARGUMENT.withDescription(undecodable.why()));
            return;
          }
          super.onMessage(message);
        }

        @Override
        public void onHalfClose() {
          if (!guarded.rejected()) {
            super.onHalfClose();
          }
        }

        @Override
        public void onReady() {
          if (!guarded.rejected()) {
            super.onReady();
          }
        }
      };
    }
  }

  /**
   * The call as the method sees it. Once the guard rejected a request it owns the call: what the
   * method still sends or closes (a relay's upstream call ending as cancelled, say) is dropped
   * instead of failing with "call already closed". Sends and closes are serialized by this object's
   * monitor, since a method may close from another thread than the listener's.
   */
  private static final class GuardedCall<RespT> extends ForwardingServerCall.SimpleForwardingServerCall<Object, RespT> {
    private boolean closed; // guarded by this
    private volatile boolean rejected;

    GuardedCall(ServerCall<Object, RespT> call) {
      super(call);
    }

    boolean rejected() {
      return rejected;
    }

    synchronized void reject(Status status) {
      rejected = true;
      if (!closed) {
        closed = true;
        super.close(status, new Metadata());
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }
  }
}
