package io.chatgateway.gateway.telemetry;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;

/**
 * Carries W3C trace context from a device's call to the core's. When the gateway exports traces
 * ({@link Telemetry#exportsTraces}), the server side ({@link #server}) extracts {@code
 * traceparent}/{@code tracestate} from incoming metadata and opens a SERVER span, and the client
 * side ({@link #upstream}) opens a CLIENT span as its child and injects it into the outgoing
 * metadata: the core sees the gateway's span as its parent. When it does not, the gateway makes no
 * spans and the core receives the caller's context as it came (nothing, if the caller sent none),
 * so a trace sampled by the device and the core has no gap, and the gateway pays nothing for it.
 * Either way the client side records each call's latency and status for metrics. The OpenTelemetry
 * context travels in the gRPC {@link io.grpc.Context} under {@link #OTEL_CONTEXT}, set only when
 * there is a context to carry. Device streams ({@code Connect}) get no span: they live for hours.
 */
public final class TracePropagation {

  /** The OpenTelemetry context of the call being served. */
  public static final io.grpc.Context.Key<Context> OTEL_CONTEXT = io.grpc.Context.key("otel-context");

  private static final TextMapGetter<Metadata> FROM_METADATA =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
          return carrier == null ? null : carrier.get(key(key));
        }
      };

  // The W3C propagator asks for these two on every call; a key made per lookup validates its name each time.
  private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE = Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);

  private static final TextMapSetter<Metadata> INTO_METADATA =
      (carrier, key, value) -> {
        Metadata.Key<String> header = key(key);
        carrier.discardAll(header);
        carrier.put(header, value);
      };

  private final Telemetry telemetry;
  private final GatewayMetrics metrics;
  private final boolean spans;

  public TracePropagation(Telemetry telemetry, GatewayMetrics metrics) {
    this.telemetry = requireNonNull(telemetry, "telemetry");
    this.metrics = requireNonNull(metrics, "metrics");
    this.spans = telemetry.exportsTraces();
  }

  private static Metadata.Key<String> key(String name) {
    return switch (name) {
      case "traceparent" -> TRACEPARENT;
      case "tracestate" -> TRACESTATE;
      default -> Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    };
  }

  /** Extracts a caller's context from HTTP-style headers (the Connect protocol's). */
  public Context extract(Iterable<String> names, java.util.function.Function<String, String> header) {
    return telemetry.propagators().getTextMapPropagator().extract(
        Context.root(),
        header,
        new TextMapGetter<java.util.function.Function<String, String>>() {
          @Override
          public Iterable<String> keys(java.util.function.Function<String, String> carrier) {
            return names;
          }

          @Override
          public String get(java.util.function.Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
          }
        });
  }

  /** The server interceptor for the gateway's ChatService. */
  public ServerInterceptor server() {
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        MethodDescriptor<ReqT, RespT> method = call.getMethodDescriptor();
        if (method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING) {
          return next.startCall(call, headers);
        }
        Context parent = telemetry.propagators().getTextMapPropagator().extract(Context.root(), headers, FROM_METADATA);
        if (!spans) {
          // Nothing to carry is the common case: the call then runs in the context it came with.
          return Span.fromContext(parent).getSpanContext().isValid()
              ? Contexts.interceptCall(io.grpc.Context.current().withValue(OTEL_CONTEXT, parent), call, headers, next)
              : next.startCall(call, headers);
        }
        Span span = telemetry.tracer().spanBuilder(method.getFullMethodName()).setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
        ServerCall<ReqT, RespT> ending =
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                end(span, status);
                super.close(status, trailers);
              }
            };
        io.grpc.Context context = io.grpc.Context.current().withValue(OTEL_CONTEXT, parent.with(span));
        return Contexts.interceptCall(context, ending, headers, next);
      }
    };
  }

  /** The client interceptor for calls to the core. */
  public ClientInterceptor upstream() {
    return new ClientInterceptor() {
      @Override
      public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
        Context parent = OTEL_CONTEXT.get();
        Span span =
            spans
                ? telemetry.tracer().spanBuilder(method.getFullMethodName()).setParent(parent == null ? Context.root() : parent).setSpanKind(SpanKind.CLIENT).startSpan()
                : null;
        // Without spans, the caller's own context goes on as it came (an invalid one injects nothing).
        Context callContext = span != null ? (parent == null ? Context.root() : parent).with(span) : parent;
        long start = System.nanoTime();
        String name = method.getBareMethodName();
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            if (callContext != null) {
              telemetry.propagators().getTextMapPropagator().inject(callContext, headers, INTO_METADATA);
            }
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onClose(Status status, Metadata trailers) {
                    metrics.upstreamCall(name, status.getCode().name(), System.nanoTime() - start);
                    if (span != null) {
                      end(span, status);
                    }
                    super.onClose(status, trailers);
                  }
                },
                headers);
          }
        };
      }
    };
  }

  private static void end(Span span, Status status) {
    span.setAttribute("rpc.grpc.status_code", status.getCode().value());
    if (!status.isOk()) {
      span.setStatus(StatusCode.ERROR, status.getCode().name());
    }
    span.end();
  }

  /** Header names a W3C propagator reads. */
  public static List<String> headerNames() {
    return List.of("traceparent", "tracestate");
  }
}
