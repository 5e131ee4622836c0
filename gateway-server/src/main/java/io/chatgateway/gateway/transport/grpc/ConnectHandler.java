package io.chatgateway.gateway.transport.grpc;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.session.CloseReason;
import io.chatgateway.gateway.session.DeviceSession;
import io.chatgateway.gateway.session.OutboundEvent;
import io.chatgateway.gateway.session.SessionServices;
import io.chatgateway.gateway.session.SessionTransport;
import io.chatgateway.gateway.forward.RawBytesMarshaller;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import io.chatgateway.gateway.limits.StreamAdmission;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * Serves {@code Connect}: each call becomes a {@link DeviceSession} whose transport is the call.
 * Runs behind the auth interceptor, which has already put the verified token in the context. While
 * {@code draining} says so, new streams are refused with UNAVAILABLE; a stream its client address may
 * not open ({@link StreamAdmission}) with RESOURCE_EXHAUSTED. An admitted stream has its connection's
 * HPACK table released ({@link HeaderTableRelease}).
 */
public final class ConnectHandler implements ServerCallHandler<byte[], OutboundEvent> {

  /** Set by proxies in front of the gateway (Envoy, nginx) for gRPC as for HTTP. */
  static final Metadata.Key<String> X_FORWARDED_FOR = Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);

  private final SessionServices services;
  private final BooleanSupplier draining;
  private final StreamAdmission admission;
  private final HeaderTableRelease headerTables;

  public ConnectHandler(SessionServices services, BooleanSupplier draining, StreamAdmission admission, HeaderTableRelease headerTables) {
    this.services = requireNonNull(services, "services");
    this.draining = requireNonNull(draining, "draining");
    this.admission = requireNonNull(admission, "admission");
    this.headerTables = requireNonNull(headerTables, "headerTables");
  }

  /**
   * {@code Connect} bound to a handler: frames arrive as raw bytes (the session decodes them with
   * its own limits) and events leave as the bytes they were encoded to once.
   */
  public static ServerMethodDefinition<byte[], OutboundEvent> definition(
      SessionServices services, BooleanSupplier draining, StreamAdmission admission, HeaderTableRelease headerTables) {
    MethodDescriptor<byte[], OutboundEvent> method =
        ChatServiceGrpc.getConnectMethod().toBuilder(RawBytesMarshaller.INSTANCE, OutboundEventMarshaller.INSTANCE).build();
    return ServerMethodDefinition.create(method, new ConnectHandler(services, draining, admission, headerTables));
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], OutboundEvent> call, Metadata headers) {
    VerifiedToken token = VerifiedToken.CONTEXT_KEY.get();
    if (token == null) {
      call.close(Status.UNAUTHENTICATED.withDescription("no verified token"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (draining.getAsBoolean()) {
      call.close(Status.UNAVAILABLE.withDescription("gateway is shutting down; connect to another instance"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    StreamAdmission.Ticket ticket = admission.admit(peer(call), headers.getAll(X_FORWARDED_FOR));
    if (!ticket.admitted()) {
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(ticket.refusal()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    CallStream stream = new CallStream(call, ticket);
    stream.session = DeviceSession.open(services, stream, token);
    headerTables.release(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    call.request(1);
    return stream;
  }

  /** The connection's peer; a placeholder address when the transport gives none (in-process). */
  private static InetAddress peer(ServerCall<?, ?> call) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return address instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress() : InetAddress.getLoopbackAddress();
  }

  /**
   * One {@code Connect} call: the session's transport, and the listener of the call's callbacks
   * (one object for both: every idle stream holds one). The transport side is called only from the
   * session's executor, except isReady; callbacks of one call never overlap.
   */
  private static final class CallStream extends ServerCall.Listener<byte[]> implements SessionTransport {
    private final ServerCall<byte[], OutboundEvent> call;
    private final StreamAdmission.Ticket ticket;
    private DeviceSession session; // set once, before the call's first callback
    private boolean placed; // callbacks only
    private boolean headersSent; // session executor only
    private boolean closed; // session executor only

    CallStream(ServerCall<byte[], OutboundEvent> call, StreamAdmission.Ticket ticket) {
      this.call = call;
      this.ticket = ticket;
    }

    @Override
    public void onMessage(byte[] frame) {
      placeOnEventLoop();
      session.onFrame(frame);
    }

    @Override
    public void onHalfClose() {
      session.onDeviceFinished();
    }

    @Override
    public void onCancel() {
      ticket.release();
      session.onTransportClosed();
    }

    @Override
    public void onComplete() {
      ticket.release();
      session.onTransportClosed();
    }

    @Override
    public void onReady() {
      placeOnEventLoop();
      session.onWritable();
    }

    /**
     * Moves the session onto its connection's event loop once a callback runs there: every
     * callback does when the call's token verified without blocking (see CallExecutors). The
     * callbacks of a call whose token needed the network run on the pool, and so does its session.
     */
    private void placeOnEventLoop() {
      if (!placed) {
        Executor eventLoop = ThreadExecutorMap.currentExecutor();
        if (eventLoop != null) {
          placed = true;
          session.runOnIoThread(eventLoop);
        }
      }
    }

    @Override
    public String kind() {
      return "grpc";
    }

    @Override
    public String remoteAddress() {
      return ticket.client().getHostAddress();
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public void send(OutboundEvent event) {
      if (closed || call.isCancelled()) {
        return;
      }
      if (!headersSent) {
        headersSent = true;
        call.sendHeaders(new Metadata());
      }
      call.sendMessage(event);
    }

    @Override
    public void close(CloseReason reason) {
      if (closed) {
        return;
      }
      closed = true;
      if (!call.isCancelled()) {
        call.close(statusOf(reason), new Metadata());
      }
    }

    @Override
    public void requestFrames(int count) {
      if (!closed) {
        call.request(count);
      }
    }
  }

  /** The gRPC status a session's close reason is reported with (the README's table). */
  static Status statusOf(CloseReason reason) {
    Status.Code code =
        switch (reason.code()) {
          case NORMAL -> Status.Code.OK;
          case GOING_AWAY -> Status.Code.UNAVAILABLE;
          case IDLE -> Status.Code.DEADLINE_EXCEEDED;
          case OVERLOADED -> Status.Code.RESOURCE_EXHAUSTED;
          case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
          case PROTOCOL_ERROR -> Status.Code.FAILED_PRECONDITION;
          case REPLACED -> Status.Code.ABORTED;
        };
    return Status.fromCode(code).withDescription(reason.message());
  }
}
