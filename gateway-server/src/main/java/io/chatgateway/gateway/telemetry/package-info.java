/**
 * Metrics, traces and their wiring. {@link io.chatgateway.gateway.telemetry.Telemetry} owns the
 * OpenTelemetry SDK: metrics are read in Prometheus format for {@code /metrics}, and traces are
 * exported over OTLP when {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set. {@link
 * io.chatgateway.gateway.telemetry.GatewayMetrics} defines every instrument; {@link
 * io.chatgateway.gateway.telemetry.TracePropagation} carries W3C trace context from devices to the
 * core. No label carries a user or room id.
 */
package io.chatgateway.gateway.telemetry;
