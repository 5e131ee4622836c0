package io.chatgateway.gateway.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.instrumentation.runtimemetrics.java8.RuntimeMetrics;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Optional;

/**
 * The gateway's OpenTelemetry SDK, with the JVM's runtime metrics. Metrics go to a Prometheus reader that {@link #scrape} renders for
 * {@code GET /metrics}. Spans exist only when an OTLP/HTTP endpoint is configured ({@link
 * #exportsTraces}): they are then sampled when their parent is (or for new traces) and exported.
 * Without one the gateway makes no spans and passes a caller's trace context on unchanged, as a
 * proxy without a tracer does ({@link TracePropagation}). Built once; closed at shutdown.
 */
public final class Telemetry implements AutoCloseable {

  public static final String INSTRUMENTATION = "io.chatgateway.gateway";

  private final OpenTelemetrySdk sdk;
  private final boolean exportsTraces;
  private final RuntimeMetrics runtime;
  private final PrometheusMetricReader prometheus;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  /**
   * @param otlpEndpoint {@code OTEL_EXPORTER_OTLP_ENDPOINT}, such as {@code http://collector:4318};
   *     empty: no spans, trace context passed through
   */
  public Telemetry(String gatewayId, Optional<URI> otlpEndpoint) {
    this.exportsTraces = otlpEndpoint.isPresent();
    Resource resource =
        Resource.getDefault()
            .merge(Resource.create(Attributes.builder().put("service.name", "chat-gateway").put("service.instance.id", gatewayId).build()));
    this.prometheus = PrometheusMetricReader.create();
    io.opentelemetry.sdk.trace.SdkTracerProviderBuilder tracing = SdkTracerProvider.builder().setResource(resource).setSampler(Sampler.parentBased(Sampler.alwaysOn()));
    otlpEndpoint.ifPresent(
        endpoint ->
            tracing.addSpanProcessor(
                BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder().setEndpoint(endpoint.toString().replaceAll("/+$", "") + "/v1/traces").build())
                    .build()));
    this.sdk =
        OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().setResource(resource).registerMetricReader(prometheus).build())
            .setTracerProvider(tracing.build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    // The JVM's own series (jvm_memory_used_bytes, jvm_gc_duration_seconds, jvm_buffer_memory_used_bytes,
    // jvm_file_descriptor_count, ...), which the dashboard and alerts in deploy/ read.
    this.runtime = RuntimeMetrics.builder(sdk).emitExperimentalTelemetry().build();
  }

  public Meter meter() {
    return sdk.getMeter(INSTRUMENTATION);
  }

  /**
   * Whether spans are made and exported (an OTLP endpoint is configured). Without, a span would go
   * nowhere and cost every forwarded call its making, its ids and a {@code traceparent} header the
   * core's HPACK table cannot reuse.
   */
  public boolean exportsTraces() {
    return exportsTraces;
  }

  public Tracer tracer() {
    return sdk.getTracer(INSTRUMENTATION);
  }

  public ContextPropagators propagators() {
    return sdk.getPropagators();
  }

  /** All metrics in the Prometheus text format. */
  public String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.write(out, prometheus.collect(), EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  public String contentType() {
    return writer.getContentType();
  }

  @Override
  public void close() {
    runtime.close();
    sdk.close();
  }
}
