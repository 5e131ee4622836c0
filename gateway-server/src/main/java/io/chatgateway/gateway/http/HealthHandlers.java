package io.chatgateway.gateway.http;

import static io.chatgateway.gateway.http.JsonResponses.bool;
import static io.chatgateway.gateway.http.JsonResponses.object;
import static io.chatgateway.gateway.http.JsonResponses.string;

import com.google.protobuf.Value;
import io.chatgateway.client.CircuitBreaker;
import io.undertow.server.HttpHandler;
import io.undertow.util.StatusCodes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /healthz}: the process is alive (200 while it can answer). {@code /readyz}: it should get
 * traffic. That is 200 only when the gRPC server is serving and not draining, the upstream breaker is
 * closed, and the engine delivers. Otherwise 503, with a JSON body that says which part is not
 * ready.
 */
final class HealthHandlers {

  private HealthHandlers() {}

  static HttpHandler liveness() {
    return exchange -> JsonResponses.send(exchange, StatusCodes.OK, Map.of("status", string("ok")));
  }

  static HttpHandler readiness(BooleanSupplier grpcServing, Supplier<CircuitBreaker.State> breaker, BooleanSupplier engineHealthy) {
    return exchange -> {
      boolean grpc = grpcServing.getAsBoolean();
      CircuitBreaker.State state = breaker.get();
      boolean upstream = state == CircuitBreaker.State.CLOSED;
      boolean engine = engineHealthy.getAsBoolean();
      Map<String, Value> checks = new LinkedHashMap<>();
      checks.put("grpc", object(Map.of("ok", bool(grpc), "detail", string(grpc ? "serving" : "not serving (starting or draining)"))));
      checks.put("upstream", object(Map.of("ok", bool(upstream), "detail", string("circuit breaker " + state))));
      checks.put("engine", object(Map.of("ok", bool(engine), "detail", string(engine ? "delivering" : "pub/sub link down"))));
      boolean ready = grpc && upstream && engine;
      JsonResponses.send(
          exchange,
          ready ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE,
          Map.of("ready", bool(ready), "checks", object(checks)));
    };
  }
}
