package io.chatgateway.gateway.transport.websocket;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.gateway.auth.BearerHeader;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.http.OriginPolicy;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.session.CloseCode;
import io.chatgateway.gateway.session.CloseReason;
import io.chatgateway.gateway.session.DeviceSession;
import io.chatgateway.gateway.session.SessionServices;
import io.chatgateway.proto.v1.ConnectRequest;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.chatgateway.gateway.auth.ServicePrincipals;
import io.chatgateway.gateway.limits.StreamAdmission;
import io.grpc.StatusException;
import io.undertow.util.HttpString;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import org.xnio.Pooled;

/**
 * {@code GET /ws}: upgrades to a WebSocket and runs a {@link DeviceSession} over it.
 *
 * <p>Before the upgrade, requests are refused with a plain HTTP status. A draining gateway answers 503,
 * a refused origin 403, and a bad token from {@code ?token=} or the {@code Authorization} header 401.
 * A browser that cannot send a token that way upgrades without one and sends it in its first frame,
 * {@code hello.access_token}. The session then starts only if that token verifies, and the socket
 * closes with 1008 otherwise. Such a socket must say that hello within {@code HELLO_TIMEOUT_SEC}
 * (closed with 1008 after it), and at most {@code MAX_UNAUTHENTICATED_CONNECTIONS} may wait at once
 * (beyond that a new one is closed at once with 1013, try again later): a client cannot hold
 * connections open without ever authenticating. Where verifying a token may wait for the network (a
 * JWKS endpoint), the upgrade's and the hello's alike are verified on a worker, never on an I/O thread.
 *
 * <p>Frames larger than {@link #MAX_READ_BYTES} are refused by Undertow with close code 1009. Smaller
 * ones reach the session, which applies MAX_FRAME_BYTES exactly as for gRPC.
 */
public final class WebSocketBridge {

  private static final Logger log = Logger.getLogger(WebSocketBridge.class.getName());
  private static final AttachmentKey<VerifiedToken> TOKEN = AttachmentKey.create(VerifiedToken.class);
  private static final AttachmentKey<StreamAdmission.Ticket> TICKET = AttachmentKey.create(StreamAdmission.Ticket.class);
  private static final HttpString X_FORWARDED_FOR = new HttpString("X-Forwarded-For");
  /** The most a single frame may carry before the socket is closed (as gRPC's max message size). */
  static final int MAX_READ_BYTES = 4 * 1024 * 1024;

  private final SessionServices services;
  private final JwtVerifier verifier;
  private final OriginPolicy origins;
  private final BooleanSupplier draining;
  private final ScheduledExecutorService scheduler;
  private final Duration pingInterval;
  private final Duration helloTimeout;
  private final ConcurrencyLimit unauthenticated;
  private final StreamAdmission admission;
  private final ServicePrincipals principals;

  public WebSocketBridge(
      SessionServices services,
      JwtVerifier verifier,
      OriginPolicy origins,
      BooleanSupplier draining,
      ScheduledExecutorService scheduler,
      Duration pingInterval,
      Duration helloTimeout,
      ConcurrencyLimit unauthenticated,
      StreamAdmission admission,
      ServicePrincipals principals) {
    this.services = requireNonNull(services, "services");
    this.verifier = requireNonNull(verifier, "verifier");
    this.origins = requireNonNull(origins, "origins");
    this.draining = requireNonNull(draining, "draining");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.pingInterval = requireNonNull(pingInterval, "pingInterval");
    this.helloTimeout = requireNonNull(helloTimeout, "helloTimeout");
    this.unauthenticated = requireNonNull(unauthenticated, "unauthenticated");
    this.admission = requireNonNull(admission, "admission");
    this.principals = requireNonNull(principals, "principals");
  }

  /** The handler for {@code /ws}. */
  public HttpHandler handler() {
    HttpHandler handshake =
        Handlers.websocket(
            (exchange, channel) -> {
              VerifiedToken token = exchange.getAttachment(TOKEN);
              StreamAdmission.Ticket ticket = exchange.getAttachment(TICKET);
              // Undertow keeps the upgraded exchange, attachments and all, for the socket's life.
              exchange.putAttachment(TOKEN, null);
              exchange.putAttachment(TICKET, null);
              onConnect(token, ticket, channel);
            },
            exchange -> refuse(exchange, StatusCodes.BAD_REQUEST, "expected a WebSocket upgrade"));
    return new HttpHandler() {
      @Override
      public void handleRequest(HttpServerExchange exchange) throws Exception {
        upgrade(exchange, handshake, this);
      }
    };
  }

  /** Checks an upgrade request and hands it to {@code handshake}; {@code self} is re-dispatched to a worker when verifying may block. */
  private void upgrade(HttpServerExchange exchange, HttpHandler handshake, HttpHandler self) throws Exception {
    if (draining.getAsBoolean()) {
      refuse(exchange, StatusCodes.SERVICE_UNAVAILABLE, "gateway is shutting down; connect to another instance");
      return;
    }
    if (!origins.allows(exchange)) {
      refuse(exchange, StatusCodes.FORBIDDEN, "origin not allowed: " + exchange.getRequestHeaders().getFirst(Headers.ORIGIN));
      return;
    }
    try {
      String token = tokenOf(exchange);
      if (token != null && exchange.isInIoThread() && !verifier.verifiesWithoutBlocking(token, false)) {
        // Verifying may wait for the JWKS endpoint: not on an I/O thread, which serves other sockets.
        exchange.dispatch(self);
        return;
      }
      if (token != null) {
        VerifiedToken verified = verifier.verify(token);
        principals.checkStream(verified, false);
        exchange.putAttachment(TOKEN, verified);
      }
    } catch (TokenRejectedException e) {
      refuse(exchange, StatusCodes.UNAUTHORIZED, e.getMessage());
      return;
    } catch (StatusException e) {
      refuse(exchange, StatusCodes.FORBIDDEN, e.getStatus().getDescription());
      return;
    }
    StreamAdmission.Ticket ticket = admission.admit(exchange.getSourceAddress().getAddress(), exchange.getRequestHeaders().get(X_FORWARDED_FOR));
    if (!ticket.admitted()) {
      exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
      refuse(exchange, StatusCodes.TOO_MANY_REQUESTS, ticket.refusal());
      return;
    }
    exchange.putAttachment(TICKET, ticket);
    // Upgraded (101), the socket's close gives the place back (onConnect); any other answer, now.
    exchange.addExchangeCompleteListener((done, next) -> {
      if (done.getStatusCode() != StatusCodes.SWITCHING_PROTOCOLS) {
        ticket.release();
      } else {
        // Undertow keeps the upgraded exchange reachable for the socket's life; its headers are
        // ~2 KB that no one reads again (onConnect, which runs after this, reads only attachments).
        done.getRequestHeaders().clear();
        done.getResponseHeaders().clear();
        done.getQueryParameters().clear();
        // And its parser keeps builders as long as the longest token it read: the bearer token.
        ParserBuffers.release(done.getConnection());
      }
      next.proceed();
    });
    handshake.handleRequest(exchange);
  }

  /** The token of the query or the Authorization header; null when neither has one (hello may bring it). */
  private static String tokenOf(HttpServerExchange exchange) throws TokenRejectedException {
    Deque<String> query = exchange.getQueryParameters().get("token");
    if (query != null && !query.isEmpty() && !query.peekFirst().isBlank()) {
      return query.peekFirst();
    }
    String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    return header == null ? null : BearerHeader.token(header);
  }

  private static void refuse(HttpServerExchange exchange, int status, String message) {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
    exchange.getResponseSender().send(message);
  }

  private void onConnect(VerifiedToken token, StreamAdmission.Ticket ticket, WebSocketChannel channel) {
    Connection connection = new Connection(channel, ticket.client());
    // One close task for both: Undertow keeps each for the socket's life.
    channel.addCloseTask(
        closed -> {
          ticket.release();
          connection.closed();
        });
    if (token != null) {
      connection.start(token);
    } else if (!connection.awaitHello()) {
      return;
    }
    channel.getReceiveSetter().set(connection);
    channel.resumeReceives();
  }

  /** One socket: its transport (which pings the client, see {@link WebSocketTransport#keepAlive}) and its session once authenticated. */
  private final class Connection extends AbstractReceiveListener {
    // A field updater rather than an AtomicBoolean: one object less in every socket.
    private static final AtomicIntegerFieldUpdater<Connection> AWAITING_HELLO = AtomicIntegerFieldUpdater.newUpdater(Connection.class, "awaitingHello");
    private final WebSocketChannel channel;
    private final WebSocketTransport transport;
    private volatile DeviceSession session;
    // 1 while this socket holds a slot of `unauthenticated`; whoever clears it gives the slot back.
    private volatile int awaitingHello;
    private volatile ScheduledFuture<?> helloDeadline;

    Connection(WebSocketChannel channel, InetAddress client) {
      this.channel = channel;
      this.transport = new WebSocketTransport(channel, client, pingInterval);
    }

    /**
     * The socket upgraded without a token: takes an unauthenticated slot and starts the hello clock.
     * Returns false, having closed the socket with 1013, when every slot is taken.
     */
    boolean awaitHello() {
      if (!unauthenticated.tryAcquire()) {
        transport.close(new CloseReason(CloseCode.OVERLOADED, "too many connections waiting to authenticate; retry later"));
        return false;
      }
      awaitingHello = 1;
      helloDeadline = scheduler.schedule(this::helloTimedOut, helloTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    }

    private void helloTimedOut() {
      if (leaveUnauthenticated()) {
        transport.close(
            new CloseReason(CloseCode.UNAUTHENTICATED, "no hello with an access token within " + helloTimeout.toSeconds() + " s"));
      }
    }

    /** Gives back the unauthenticated slot; true for the one caller that held it. */
    private boolean leaveUnauthenticated() {
      if (!AWAITING_HELLO.compareAndSet(this, 1, 0)) {
        return false;
      }
      unauthenticated.release();
      ScheduledFuture<?> deadline = helloDeadline;
      if (deadline != null) {
        deadline.cancel(false);
      }
      return true;
    }

    void start(VerifiedToken token) {
      DeviceSession opened = DeviceSession.open(services, transport, token);
      // Undertow calls back on the socket's I/O thread; the session runs there too.
      opened.runOnIoThread(channel.getIoThread());
      transport.onWritable(opened::onWritable);
      session = opened;
      if (!channel.isOpen()) {
        // Closed from another thread (a shutdown) before the session was set: closed() missed it.
        opened.onTransportClosed();
      }
    }

    @Override
    protected long getMaxTextBufferSize() {
      return MAX_READ_BYTES;
    }

    @Override
    protected long getMaxBinaryBufferSize() {
      return MAX_READ_BYTES;
    }

    @Override
    protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
      String text = message.getData();
      transport.chooseMode(WebSocketTransport.Mode.TEXT);
      transport.frameReceived();
      if (session == null) {
        authenticateFromHello(text, null);
        return;
      }
      session.onJsonFrame(text);
    }

    @Override
    protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
      byte[] bytes;
      try (Pooled<ByteBuffer[]> data = message.getData()) {
        ByteBuffer[] buffers = data.getResource();
        int length = 0;
        for (ByteBuffer buffer : buffers) {
          length += buffer.remaining();
        }
        bytes = new byte[length];
        int offset = 0;
        for (ByteBuffer buffer : buffers) {
          int n = buffer.remaining();
          buffer.get(bytes, offset, n);
          offset += n;
        }
      }
      transport.chooseMode(WebSocketTransport.Mode.BINARY);
      transport.frameReceived();
      if (session == null) {
        authenticateFromHello(null, bytes);
        return;
      }
      session.onFrame(bytes);
    }

    /**
     * The socket was opened without a token: its first frame (JSON {@code text} or protobuf {@code
     * binary}) must be a hello carrying one. Starts the session with that frame as its first, or
     * closes the socket with 1008. Where verifying may wait for the network (a JWKS), it runs on a
     * worker, so that the I/O thread goes on serving its other sockets, and the session then starts
     * back on the I/O thread. Meanwhile the socket reads nothing more: the hello used the transport's
     * one frame of credit, and only the session asks for more. I/O thread only.
     */
    private void authenticateFromHello(String text, byte[] binary) {
      if (!leaveUnauthenticated()) {
        return; // the hello window closed (the socket is closing), or a first frame failed already
      }
      ConnectRequest first;
      try {
        if (text != null) {
          ConnectRequest.Builder builder = ConnectRequest.newBuilder();
          JsonFormat.parser().ignoringUnknownFields().merge(text, builder);
          first = builder.build();
        } else {
          first = ConnectRequest.parseFrom(binary);
        }
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        first = ConnectRequest.getDefaultInstance();
      }
      String token = first.hasHello() ? first.getHello().getAccessToken() : "";
      if (token.isEmpty()) {
        transport.close(new CloseReason(CloseCode.UNAUTHENTICATED, "no token: pass ?token=, an Authorization header, or hello.access_token"));
        return;
      }
      if (verifier.verifiesWithoutBlocking(token, false)) {
        verify(token, text, binary).run();
        return;
      }
      try {
        channel.getWorker().execute(() -> {
          Runnable outcome = verify(token, text, binary);
          try {
            channel.getIoThread().execute(() -> {
              if (channel.isOpen()) {
                outcome.run();
              }
            });
          } catch (RejectedExecutionException stopping) {
            // The I/O thread is stopping, and this socket goes with it.
          }
        });
      } catch (RejectedExecutionException shuttingDown) {
        transport.close(new CloseReason(CloseCode.GOING_AWAY, "gateway is shutting down; connect to another instance"));
      }
    }

    /**
     * Verifies a hello's token; any thread. Returns what the I/O thread does next: start the session
     * with that hello as its first frame, or close the socket with 1008.
     */
    private Runnable verify(String token, String text, byte[] binary) {
      try {
        VerifiedToken verified = verifier.verify(token);
        principals.checkStream(verified, false);
        return () -> {
          start(verified);
          if (text != null) {
            session.onJsonFrame(text);
          } else {
            session.onFrame(binary);
          }
        };
      } catch (TokenRejectedException e) {
        return () -> transport.close(new CloseReason(CloseCode.UNAUTHENTICATED, e.getMessage()));
      } catch (StatusException e) {
        return () -> transport.close(new CloseReason(CloseCode.UNAUTHENTICATED, e.getStatus().getDescription()));
      }
    }

    @Override
    protected void onCloseMessage(CloseMessage message, WebSocketChannel channel) {
      closed();
    }

    @Override
    protected void onError(WebSocketChannel channel, Throwable error) {
      log.fine(() -> "websocket error: " + error);
      super.onError(channel, error);
      closed();
    }

    void closed() {
      leaveUnauthenticated();
      DeviceSession current = session;
      if (current != null) {
        current.onTransportClosed();
      }
    }
  }
}
