package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.string;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chatgateway.client.CallerIdentity;
import java.util.Base64;
import io.grpc.StatusException;
import io.chatgateway.gateway.auth.ServicePrincipals;
import io.chatgateway.client.Utf8;
import io.chatgateway.gateway.auth.BearerHeader;
import io.chatgateway.gateway.auth.JwtVerifier;
import io.chatgateway.gateway.auth.TokenRejectedException;
import io.chatgateway.gateway.auth.VerifiedToken;
import io.chatgateway.gateway.forward.ServedHere;
import io.chatgateway.gateway.forward.UnaryCalls;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.telemetry.TracePropagation;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Unary RPCs over the Connect protocol: {@code POST /chat.v1.ChatService/<Method>} with an {@code
 * application/json} (protobuf JSON mapping) or {@code application/proto} body and {@code
 * Authorization: Bearer <jwt>}, so curl and {@code @connectrpc/connect-web} clients work. Calls are
 * forwarded to the core exactly like gRPC calls. Errors use Connect's JSON error body and HTTP status.
 * Streaming methods are answered 501: use gRPC or the WebSocket. At most {@code MAX_CONNECT_REQUESTS}
 * authenticated requests are served at once, from their headers to their answer; beyond that a
 * request is answered {@code resource_exhausted} (HTTP 429) before its body is read.
 */
final class ConnectProtocolHandler implements HttpHandler {

  static final String PREFIX = "/" + ChatServiceGrpc.SERVICE_NAME + "/";
  static final long MAX_BODY_BYTES = 4 * 1024 * 1024;
  private static final HttpString CONNECT_TIMEOUT = new HttpString("Connect-Timeout-Ms");
  private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
  private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
  private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
  private static final JsonFormat.Parser JSON_IN = JsonFormat.parser();
  static final String ON_BEHALF_OF = "X-Chat-On-Behalf-Of-Bin";
  private static final JsonFormat.Printer JSON_OUT = JsonFormat.printer().omittingInsignificantWhitespace();

  private final Map<String, MethodDescriptor<Message, Message>> unaryMethods = new HashMap<>();
  private final Channel upstream;
  private final Map<String, ServedHere<Message, Message>> servedHere = new HashMap<>();
  private final TracePropagation tracing;
  private final JwtVerifier verifier;
  private final OriginPolicy origins;
  private final ConcurrencyLimit inFlight;
  private final ScheduledExecutorService scheduler;
  private final ServicePrincipals principals;

  @SuppressWarnings("unchecked")
  ConnectProtocolHandler(
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
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        unaryMethods.put(method.getBareMethodName(), (MethodDescriptor<Message, Message>) method);
      }
    }
  }

  @Override
  public void handleRequest(HttpServerExchange exchange) {
    String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
    if (!origins.allows(exchange)) {
      error(exchange, StatusCodes.FORBIDDEN, "permission_denied", "origin not allowed: " + origin);
      return;
    }
    if (origin != null) {
      exchange.getResponseHeaders().put(ALLOW_ORIGIN, origin);
      exchange.getResponseHeaders().put(Headers.VARY, "Origin");
    }
    if (exchange.getRequestMethod().equals(Methods.OPTIONS)) {
      exchange.getResponseHeaders().put(ALLOW_METHODS, "POST");
      exchange.getResponseHeaders().put(ALLOW_HEADERS, "Content-Type, Authorization, Connect-Protocol-Version, Connect-Timeout-Ms");
      exchange.setStatusCode(StatusCodes.NO_CONTENT);
      exchange.endExchange();
      return;
    }
    if (!exchange.getRequestMethod().equals(Methods.POST)) {
      error(exchange, StatusCodes.METHOD_NOT_ALLOWED, "unimplemented", "use POST");
      return;
    }
    String name = exchange.getRelativePath().startsWith("/") ? exchange.getRelativePath().substring(1) : exchange.getRelativePath();
    MethodDescriptor<Message, Message> method = unaryMethods.get(name);
    if (method == null) {
      boolean streaming = ChatServiceGrpc.getServiceDescriptor().getMethods().stream().anyMatch(m -> m.getBareMethodName().equals(name));
      error(exchange, streaming ? StatusCodes.NOT_IMPLEMENTED : StatusCodes.NOT_FOUND, "unimplemented",
          streaming ? name + " streams: use gRPC, or the WebSocket at /ws" : "no method " + ChatServiceGrpc.SERVICE_NAME + "/" + name);
      return;
    }
    String contentType = String.valueOf(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE)).toLowerCase(Locale.ROOT);
    boolean json = contentType.startsWith("application/json");
    if (!json && !contentType.startsWith("application/proto")) {
      error(exchange, StatusCodes.UNSUPPORTED_MEDIA_TYPE, "invalid_argument", "Content-Type must be application/json or application/proto");
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
      error(exchange, StatusCodes.UNAUTHORIZED, "unauthenticated", e.getMessage());
      return;
    }
    if (!inFlight.tryAcquire()) {
      error(exchange, 429, "resource_exhausted", "too many requests in flight on this gateway (" + inFlight.max() + "); retry later");
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
        (ex, body) -> call(ex, method, json, token, body),
        (ex, e) -> error(ex, StatusCodes.BAD_REQUEST, "invalid_argument", "cannot read the request body: " + e.getMessage()));
  }

  private void call(HttpServerExchange exchange, MethodDescriptor<Message, Message> method, boolean json, VerifiedToken token, byte[] body) {
    Message request;
    try {
      request = decodeRequest(((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller()).getMessagePrototype(), json, body);
    } catch (IllegalArgumentException e) {
      error(exchange, StatusCodes.BAD_REQUEST, "invalid_argument", e.getMessage());
      return;
    }
    String onBehalfOf;
    CallerIdentity identity;
    try {
      onBehalfOf = onBehalfOf(exchange);
      identity = principals.actingAs(token, onBehalfOf);
    } catch (StatusException e) {
      error(exchange, httpStatus(e.getStatus().getCode()), connectCode(e.getStatus().getCode()), e.getStatus().getDescription());
      return;
    }
    if (ServicePrincipals.audited(token)) {
      ServicePrincipals.audit(token, onBehalfOf, method.getFullMethodName(), ServicePrincipals.roomOf(method, request));
    }
    Context context =
        Context.ROOT
            .withValue(CallerIdentity.CONTEXT_KEY, identity)
            .withValue(TracePropagation.OTEL_CONTEXT, tracing.extract(TracePropagation.headerNames(), exchange.getRequestHeaders()::getFirst));
    String timeout = exchange.getRequestHeaders().getFirst(CONNECT_TIMEOUT);
    if (timeout != null) {
      try {
        context = context.withDeadlineAfter(Long.parseLong(timeout), TimeUnit.MILLISECONDS, scheduler);
      } catch (NumberFormatException e) {
        error(exchange, StatusCodes.BAD_REQUEST, "invalid_argument", "Connect-Timeout-Ms must be a number of milliseconds");
        return;
      }
    }
    Context callContext = context;
    // Keep the exchange open after this handler returns; the answer comes from the gRPC callback.
    exchange.dispatch(
        SameThreadExecutor.INSTANCE,
        () ->
            callContext.run(
                () ->
                    answer(method, request)
                        .whenComplete(
                            (response, failure) -> {
                              if (failure == null) {
                                respond(exchange, response, json);
                                return;
                              }
                              Status status = ServedHere.statusOf(failure);
                              error(exchange, httpStatus(status.getCode()), connectCode(status.getCode()),
                                  status.getDescription() == null ? status.getCode().toString() : status.getDescription());
                            })));
  }

  /** The answer: the gateway's own for a method it serves, the core's for the others. Call in the call's context. */
  private CompletionStage<Message> answer(MethodDescriptor<Message, Message> method, Message request) {
    ServedHere<Message, Message> served = servedHere.get(method.getBareMethodName());
    return served != null ? served.answer(request) : UnaryCalls.call(upstream, method, request);
  }

  /**
   * A request body decoded as {@code prototype}'s type: the protobuf JSON mapping of strict UTF-8, or
   * the binary encoding.
   *
   * @throws IllegalArgumentException saying what is wrong with the body
   */
  static Message decodeRequest(Message prototype, boolean json, byte[] body) {
    Message.Builder request = prototype.newBuilderForType();
    String type = request.getDescriptorForType().getFullName();
    try {
      if (json) {
        JSON_IN.merge(Utf8.decodeStrictly(body), request);
      } else {
        request.mergeFrom(body);
      }
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("request is not a " + type + ": the JSON body is not UTF-8");
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      // The JSON parser throws unchecked exceptions for some inputs (deep nesting, bad numbers).
      throw new IllegalArgumentException("request is not a " + type + ": " + e.getMessage());
    }
    return request.build();
  }

  private static void respond(HttpServerExchange exchange, Message response, boolean json) {
    exchange.setStatusCode(StatusCodes.OK);
    if (json) {
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
      try {
        exchange.getResponseSender().send(JSON_OUT.print(response));
      } catch (InvalidProtocolBufferException e) {
        error(exchange, StatusCodes.INTERNAL_SERVER_ERROR, "internal", "cannot print the response as JSON");
      }
    } else {
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/proto");
      exchange.getResponseSender().send(ByteBuffer.wrap(response.toByteArray()));
    }
  }

  /**
   * The {@code X-Chat-On-Behalf-Of-Bin} header: UTF-8 in base64, the Connect protocol's form of a
   * binary header (gRPC's {@code x-chat-on-behalf-of-bin}); null when absent.
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

  private static void error(HttpServerExchange exchange, int httpStatus, String code, String message) {
    JsonResponses.send(exchange, httpStatus, Map.of("code", string(code), "message", string(message)));
  }

  /** Connect's names for gRPC codes: the code in snake case, with CANCELLED spelled "canceled". */
  static String connectCode(Status.Code code) {
    return code == Status.Code.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
  }

  /** The HTTP status Connect pairs with each code. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      default -> 500;
    };
  }
}
