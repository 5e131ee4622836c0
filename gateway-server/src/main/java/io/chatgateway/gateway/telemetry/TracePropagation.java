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
 * Carries W3C trace context from a device's call to the core's. The server side ({@link #server})
 * extracts {@code traceparent}/{@code tracestate} from incoming metadata and opens a SERVER span.
 * The client side ({@link #upstream}) opens a CLIENT span as its child, injects it into the
 * outgoing metadata, and records the call's latency and status for metrics. The OpenTelemetry
 * context travels in the gRPC {@link io.grpc.Context} under {@link #OTEL_CONTEXT}. Device streams
 * ({@code Connect}) get no span: they live for hours.
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
          return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
      };

  private static final TextMapSetter<Metadata> INTO_METADATA =
      (carrier, key, value) -> {
        Metadata.Key<String> header = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
        carrier.discardAll(header);
        carrier.put(header, value);
      };

  private final Telemetry telemetry;
  private final GatewayMetrics metrics;

  public TracePropagation(Telemetry telemetry, GatewayMetrics metrics) {
    this.telemetry = requireNonNull(telemetry, "telemetry");
    this.metrics = requireNonNull(metrics, "metrics");
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
            telemetry.tracer().spanBuilder(method.getFullMethodName()).setParent(parent == null ? Context.root() : parent).setSpanKind(SpanKind.CLIENT).startSpan();
        Context callContext = (parent == null ? Context.root() : parent).with(span);
        long start = System.nanoTime();
        String name = method.getBareMethodName();
        return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<RespT> listener, Metadata headers) {
            telemetry.propagators().getTextMapPropagator().inject(callContext, headers, INTO_METADATA);
            super.start(
                new SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onClose(Status status, Metadata trailers) {
                    metrics.upstreamCall(name, status.getCode().name(), System.nanoTime() - start);
                    end(span, status);
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
