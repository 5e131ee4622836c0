package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.string;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.client.Utf8;
import io.chatgateway.gateway.auth.BearerHeader;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.ServicePrincipals;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.forward.ServedHere;
import io.chatgateway.gateway.forward.UnaryCalls;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.telemetry.TracePropagation;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import io.grpc.StatusException;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.nio.charset.CharacterCodingException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * RPCs on the HTTP port, {@code POST /chat.v1.ChatService/<Method>}, in the protocols browsers and
 * web clients speak: the Connect protocol (unary, {@code application/json} or {@code
 * application/proto}; streaming, {@code application/connect+json} or {@code +proto}) and gRPC-Web
 * ({@code application/grpc-web[+proto|+json]}, {@code application/grpc-web-text}). The request's
 * {@code Content-Type} picks the {@link RpcWire}. Unary methods are answered as over gRPC (the
 * gateway's own {@link ServedHere} answers, or the core's); {@code SearchRooms}, which streams, is
 * relayed from the core answer by answer with flow control ({@link StreamedAnswer}). {@code Connect},
 * which streams both ways, is not served here: use gRPC or the WebSocket.
 *
 * <p>Every call carries {@code Authorization: Bearer <jwt>}; a service principal may name a user in
 * {@code X-Chat-On-Behalf-Of-Bin}. Browser origins are checked against {@code ALLOWED_ORIGINS} and
 * answered with the CORS headers these clients need. At most {@code MAX_CONNECT_REQUESTS}
 * authenticated calls are served at once, streams for their whole length; beyond that a call is
 * refused {@code resource_exhausted} before its body is read.
 */
final class RpcHandler implements HttpHandler {

  static final String PREFIX = "/" + ChatServiceGrpc.SERVICE_NAME + "/";
  static final long MAX_BODY_BYTES = 4 * 1024 * 1024;
  static final String ON_BEHALF_OF = "X-Chat-On-Behalf-Of-Bin";
  private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
  private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
  private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
  private static final HttpString EXPOSE_HEADERS = new HttpString("Access-Control-Expose-Headers");
  private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
  /** Every request header the Connect and gRPC-Web clients send, and ours. */
  static final String REQUEST_HEADERS =
      "Content-Type, Authorization, Connect-Protocol-Version, Connect-Timeout-Ms, Connect-Content-Encoding, Connect-Accept-Encoding, "
          + "Grpc-Timeout, Grpc-Accept-Encoding, X-Grpc-Web, X-User-Agent, " + ON_BEHALF_OF + ", Traceparent, Tracestate";
  /** What a gRPC-Web client reads from response headers when a status comes without a body. */
  static final String RESPONSE_HEADERS = "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin";

  private final Map<String, MethodDescriptor<Message, Message>> methods = new HashMap<>();
  private final Channel upstream;
  private final Map<String, ServedHere<Message, Message>> servedHere = new HashMap<>();
  private final TracePropagation tracing;
  private final JwtVerifier verifier;
  private final OriginPolicy origins;
  private final ConcurrencyLimit inFlight;
  private final ScheduledExecutorService scheduler;
  private final ServicePrincipals principals;

  @SuppressWarnings("unchecked")
  RpcHandler(
      Channel upstream,
      List<ServedHere<?, ?>> servedHere,
      TracePropagation tracing,
      JwtVerifier verifier,
      OriginPolicy origins,
      ConcurrencyLimit inFlight,
      ScheduledExecutorService scheduler,
      ServicePrincipals principals) {
    this.upstream = requireNonNull(upstream, "upstream");
    for (ServedHere<?, ?> served : servedHere) {
      this.servedHere.put(served.method().getBareMethodName(), (ServedHere<Message, Message>) served);
    }
    this.tracing = requireNonNull(tracing, "tracing");
    this.verifier = requireNonNull(verifier, "verifier");
    this.origins = requireNonNull(origins, "origins");
    this.inFlight = requireNonNull(inFlight, "inFlight");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.principals = requireNonNull(principals, "principals");
    for (MethodDescriptor<?, ?> method : ChatServiceGrpc.getServiceDescriptor().getMethods()) {
      methods.put(method.getBareMethodName(), (MethodDescriptor<Message, Message>) method);
    }
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
    if (!origins.allows(exchange)) {
      protocolError(exchange, StatusCodes.FORBIDDEN, "permission_denied", "origin not allowed: " + origin);
      return;
    }
    if (origin != null) {
      exchange.getResponseHeaders().put(ALLOW_ORIGIN, origin);
      exchange.getResponseHeaders().put(Headers.VARY, "Origin");
      exchange.getResponseHeaders().put(EXPOSE_HEADERS, RESPONSE_HEADERS);
    }
    if (exchange.getRequestMethod().equals(Methods.OPTIONS)) {
      exchange.getResponseHeaders().put(ALLOW_METHODS, "POST");
      exchange.getResponseHeaders().put(ALLOW_HEADERS, REQUEST_HEADERS);
      exchange.getResponseHeaders().put(MAX_AGE, "7200");
      exchange.setStatusCode(StatusCodes.NO_CONTENT);
      exchange.endExchange();
      return;
    }
    if (!exchange.getRequestMethod().equals(Methods.POST)) {
      protocolError(exchange, StatusCodes.METHOD_NOT_ALLOWED, "unimplemented", "use POST");
      return;
    }
    RpcWire wire = RpcWire.forContentType(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE));
    if (wire == null) {
      protocolError(exchange, StatusCodes.UNSUPPORTED_MEDIA_TYPE, "invalid_argument",
          "Content-Type must be application/json or application/proto (Connect unary), application/connect+json or application/connect+proto "
              + "(Connect streaming), or application/grpc-web[+proto|+json] or application/grpc-web-text (gRPC-Web)");
      return;
    }
    String name = exchange.getRelativePath().startsWith("/") ? exchange.getRelativePath().substring(1) : exchange.getRelativePath();
    MethodDescriptor<Message, Message> method = methods.get(name);
    if (method == null) {
      refuse(exchange, wire, StatusCodes.NOT_FOUND, Status.UNIMPLEMENTED.withDescription("no method " + ChatServiceGrpc.SERVICE_NAME + "/" + name));
      return;
    }
    if (method.getType() == MethodType.BIDI_STREAMING) {
      refuse(exchange, wire, StatusCodes.NOT_IMPLEMENTED, Status.UNIMPLEMENTED.withDescription(name + " streams both ways: use gRPC, or the WebSocket at /ws"));
      return;
    }
    if (method.getType() == MethodType.SERVER_STREAMING && !wire.streams()) {
      protocolError(exchange, StatusCodes.UNSUPPORTED_MEDIA_TYPE, "invalid_argument",
          name + " streams its answers: send it as application/connect+json or application/connect+proto, or over gRPC-Web");
      return;
    }
    String encoding = exchange.getRequestHeaders().getFirst(wire.encodingHeader());
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      refuse(exchange, wire, StatusCodes.NOT_IMPLEMENTED,
          Status.UNIMPLEMENTED.withDescription(wire.encodingHeader() + " " + encoding + " is not supported: send the request uncompressed"));
      return;
    }
    VerifiedToken token;
    try {
      String jwt = BearerHeader.token(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
      if (exchange.isInIoThread() && !verifier.verifiesWithoutBlocking(jwt, true)) {
        // Verifying may wait for the JWKS endpoint: not on an I/O thread, which serves other
        // connections too. Undertow calls this handler again from a worker thread.
        exchange.dispatch(this);
        return;
      }
      token = verifier.verifyRepeated(jwt);
    } catch (TokenRejectedException e) {
      wire.fail(exchange, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
      return;
    }
    if (!inFlight.tryAcquire()) {
      wire.fail(exchange, Status.RESOURCE_EXHAUSTED.withDescription("too many requests in flight on this gateway (" + inFlight.max() + "); retry later"));
      return;
    }
    // Given back however the exchange ends: answered, failed, or the client gone.
    exchange.addExchangeCompleteListener(
        (ended, next) -> {
          inFlight.release();
          next.proceed();
        });
    exchange.setMaxEntitySize(MAX_BODY_BYTES);
    exchange.getRequestReceiver().receiveFullBytes(
        (ex, body) -> call(ex, method, wire, token, body),
        (ex, e) -> wire.fail(ex, Status.INVALID_ARGUMENT.withDescription("cannot read the request body: " + e.getMessage())));
  }

  private void call(HttpServerExchange exchange, MethodDescriptor<Message, Message> method, RpcWire wire, VerifiedToken token, byte[] body) {
    Message request;
    OptionalLong timeout;
    try {
      Message prototype = ((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller()).getMessagePrototype();
      request = wire.codec().decode(prototype, wire.requestMessage(body));
      timeout = wire.timeoutMillis(exchange.getRequestHeaders());
    } catch (IllegalArgumentException e) {
      wire.fail(exchange, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      return;
    }
    String onBehalfOf;
    CallerIdentity identity;
    try {
      onBehalfOf = onBehalfOf(exchange);
      identity = principals.actingAs(token, onBehalfOf);
    } catch (StatusException e) {
      wire.fail(exchange, e.getStatus());
      return;
    }
    if (ServicePrincipals.audited(token)) {
      ServicePrincipals.audit(token, onBehalfOf, method.getFullMethodName(), ServicePrincipals.roomOf(method, request));
    }
    Context context =
        Context.ROOT
            .withValue(CallerIdentity.CONTEXT_KEY, identity)
            .withValue(TracePropagation.OTEL_CONTEXT, tracing.extract(TracePropagation.headerNames(), exchange.getRequestHeaders()::getFirst));
    Context callContext = timeout.isPresent() ? context.withDeadlineAfter(timeout.getAsLong(), TimeUnit.MILLISECONDS, scheduler) : context;
    // Keep the exchange open after this handler returns; the answer comes from the gRPC callbacks.
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () ->
            callContext.run(
                () -> {
                  if (method.getType() == MethodType.SERVER_STREAMING) {
                    StreamedAnswer.relay(exchange, (EnvelopedWire) wire, upstream.newCall(method, CallOptions.DEFAULT), request);
                    return;
                  }
                  answer(method, request)
                      .whenComplete(
                          (response, failure) -> {
                            if (failure == null) {
                              wire.answer(exchange, response);
                            } else {
                              wire.fail(exchange, ServedHere.statusOf(failure));
                            }
                          });
                }));
  }

  /** The answer: the gateway's own for a method it serves, the core's for the others. Call in the call's context. */
  private CompletionStage<Message> answer(MethodDescriptor<Message, Message> method, Message request) {
    ServedHere<Message, Message> served = servedHere.get(method.getBareMethodName());
    return served != null ? served.answer(request) : UnaryCalls.call(upstream, method, request);
  }

  /**
   * The {@code X-Chat-On-Behalf-Of-Bin} header: UTF-8 in base64, the form of a binary header in both
   * the Connect protocol and gRPC-Web (gRPC's {@code x-chat-on-behalf-of-bin}); null when absent.
   */
  private static String onBehalfOf(HttpServerExchange exchange) throws StatusException {
    String header = exchange.getRequestHeaders().getFirst(ON_BEHALF_OF);
    if (header == null) {
      return null;
    }
    try {
      String value = header.strip();
      // Padded or not (the JDK's decoders take both), standard or URL-safe, as the protocol allows.
      Base64.Decoder decoder = value.indexOf('-') >= 0 || value.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder();
      return Utf8.decodeStrictly(decoder.decode(value));
    } catch (IllegalArgumentException | CharacterCodingException e) {
      throw Status.INVALID_ARGUMENT.withDescription(ON_BEHALF_OF + ": expected base64 of UTF-8 text").asException();
    }
  }

  /**
   * Refuses a call with {@code status} on its wire; the Connect protocol's unary form says it with
   * {@code unaryHttpStatus}, where that protocol pairs the refusal with another status than the code's.
   */
  private static void refuse(HttpServerExchange exchange, RpcWire wire, int unaryHttpStatus, Status status) {
    if (wire instanceof ConnectUnaryWire) {
      protocolError(exchange, unaryHttpStatus, ConnectUnaryWire.connectCode(status.getCode()), ConnectUnaryWire.describe(status));
    } else {
      wire.fail(exchange, status);
    }
  }

  /** A mistake in how the request uses HTTP, answered before any protocol is known: Connect's JSON error. */
  private static void protocolError(HttpServerExchange exchange, int httpStatus, String code, String message) {
    JsonResponses.send(exchange, httpStatus, Map.of("code", string(code), "message", string(message)));
  }
}
