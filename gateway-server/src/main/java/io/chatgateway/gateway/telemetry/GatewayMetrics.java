package io.chatgateway.gateway.telemetry;

import io.chatgateway.gateway.backplane.ProfileRates;
import io.chatgateway.gateway.limits.AddressLimits;
import io.chatgateway.gateway.limits.ConcurrencyLimit;
import io.chatgateway.gateway.session.SessionMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Every metric the gateway exports. OpenTelemetry names map to Prometheus names by turning dots into
 * underscores (and adding {@code _total} to counters). {@code chat_gateway_connections_active} is the
 * per-pod series the HPA scales on.
 */
public final class GatewayMetrics implements SessionMetrics {

  /** The HPA's metric, as Prometheus exposes it. */
  public static final String ACTIVE_CONNECTIONS_PROMETHEUS = "chat_gateway_connections_active";

  static final AttributeKey<String> TRANSPORT = AttributeKey.stringKey("transport");
  static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  static final AttributeKey<String> FRAME = AttributeKey.stringKey("frame");
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("method");
  static final AttributeKey<String> CODE = AttributeKey.stringKey("code");

  private final LongUpDownCounter activeConnections;
  private final LongCounter sessionsOpened;
  private final LongCounter sessionsClosed;
  private final LongCounter framesReceived;
  private final LongCounter framesRateLimited;
  private final LongCounter slowConsumersCut;
  private final LongCounter eventsSent;
  private final LongCounter fanoutDeliveries;
  private final LongCounter presenceDeliveries;
  private final LongCounter historyReads;
  private final LongCounter historyEvents;
  private static final Attributes FROM_CACHE = Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("source"), "cache");
  private static final Attributes FROM_CORE = Attributes.of(io.opentelemetry.api.common.AttributeKey.stringKey("source"), "core");
  private final DoubleHistogram fanoutDuration;
  private final DoubleHistogram upstreamDuration;
  // Attributes are built once per distinct value: the value sets are small and fixed.
  private final Map<String, Attributes> attributes = new ConcurrentHashMap<>();

  /**
   * @param subscriptions current subscriptions of all local sessions
   * @param ready whether this gateway should get traffic (what gRPC health and {@code /readyz} say)
   * @param breakerOpen whether the upstream circuit breaker is open
   * @param engineHealthy whether the engine (Redis pub/sub link) delivers
   * @param engineLagSeconds the engine's last round-trip lag; negative when unknown
   * @param unauthenticated WebSockets open without an authenticated session yet
   * @param connectRequests Connect-protocol requests in flight
   * @param perAddress device streams per client address, and their refusals
   * @param profileRates events per profile per second, and their refusals
   */
  public GatewayMetrics(
      Meter meter,
      LongSupplier subscriptions,
      BooleanSupplier ready,
      BooleanSupplier breakerOpen,
      BooleanSupplier engineHealthy,
      DoubleSupplier engineLagSeconds,
      ConcurrencyLimit unauthenticated,
      ConcurrencyLimit connectRequests,
      AddressLimits perAddress,
      ProfileRates profileRates) {
    activeConnections = meter.upDownCounterBuilder("chat.gateway.connections.active").setDescription("Open device streams").build();
    // Exported at 0 from the start: the HPA must see an idle new pod, not a missing series.
    for (String transport : List.of("grpc", "websocket")) {
      activeConnections.add(0, of(TRANSPORT, transport));
    }
    sessionsOpened = meter.counterBuilder("chat.gateway.sessions.opened").setDescription("Device streams opened").build();
    sessionsClosed = meter.counterBuilder("chat.gateway.sessions.closed").setDescription("Device streams closed, by reason").build();
    framesReceived = meter.counterBuilder("chat.gateway.frames.received").setDescription("Inbound frames decoded, by kind").build();
    framesRateLimited = meter.counterBuilder("chat.gateway.frames.rate_limited").setDescription("Inbound frames refused by the rate limiter").build();
    slowConsumersCut = meter.counterBuilder("chat.gateway.slow_consumers.cut").setDescription("Sessions cut for reading too slowly").build();
    eventsSent = meter.counterBuilder("chat.gateway.events.sent").setDescription("Events written to devices").build();
    fanoutDeliveries = meter.counterBuilder("chat.gateway.fanout.deliveries").setDescription("Envelope deliveries offered to local sessions").build();
    presenceDeliveries =
        meter.counterBuilder("chat.gateway.presence.deliveries").setDescription("Presence events queued for devices, after coalescing (PRESENCE_COALESCE_MS)").build();
    historyReads =
        meter.counterBuilder("chat.gateway.history.reads").setDescription("Reads of missed events by resumes, subscribes from a position and gap repairs, by source (cache or core)").build();
    historyEvents = meter.counterBuilder("chat.gateway.history.events").setDescription("Missed events sent from history, by source (cache or core)").build();
    // Counters exist at 0 from the start, like the connections gauge: a dashboard shows 0 rather than
    // "no data", and rate() and increase() in alerts see the first event as one.
    for (String transport : List.of("grpc", "websocket")) {
      sessionsOpened.add(0, of(TRANSPORT, transport));
    }
    for (LongCounter counter : List.of(framesRateLimited, slowConsumersCut, eventsSent, fanoutDeliveries, presenceDeliveries)) {
      counter.add(0);
    }
    for (Attributes source : List.of(FROM_CACHE, FROM_CORE)) {
      historyReads.add(0, source);
      historyEvents.add(0, source);
    }
    fanoutDuration =
        meter.histogramBuilder("chat.gateway.fanout.duration").setUnit("s").setDescription("Time to offer one envelope to all its local subscribers")
            .setExplicitBucketBoundariesAdvice(List.of(0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1)).build();
    upstreamDuration =
        meter.histogramBuilder("chat.gateway.upstream.duration").setUnit("s").setDescription("Calls to the core, by method and status code")
            .setExplicitBucketBoundariesAdvice(List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)).build();
    meter.gaugeBuilder("chat.gateway.subscriptions.active").ofLongs().setDescription("Room subscriptions of local sessions")
        .buildWithCallback(m -> m.record(subscriptions.getAsLong()));
    export(meter, unauthenticated, "chat.gateway.connections.unauthenticated", "chat.gateway.connections.unauthenticated.refused",
        "WebSockets open without an authenticated session yet (bounded by MAX_UNAUTHENTICATED_CONNECTIONS)",
        "WebSockets without a token closed at once because MAX_UNAUTHENTICATED_CONNECTIONS were waiting");
    export(meter, connectRequests, "chat.gateway.connect.requests.in_flight", "chat.gateway.connect.requests.refused",
        "Connect-protocol requests being served (bounded by MAX_CONNECT_REQUESTS)",
        "Connect-protocol requests answered resource_exhausted because MAX_CONNECT_REQUESTS were in flight");
    Attributes tooMany = Attributes.of(REASON, "per_ip_limit");
    Attributes tooFast = Attributes.of(REASON, "per_ip_rate");
    meter.counterBuilder("chat.gateway.connections.refused")
        .setDescription("Device streams refused before a session, by reason (per_ip_limit: MAX_CONNECTIONS_PER_IP, per_ip_rate: CONNECTION_RATE_PER_IP)")
        .buildWithCallback(m -> {
          m.record(perAddress.refused(AddressLimits.Refusal.TOO_MANY), tooMany);
          m.record(perAddress.refused(AddressLimits.Refusal.TOO_FAST), tooFast);
        });
    meter.counterBuilder("chat.gateway.profile_events.refused")
        .setDescription("Events refused because their profile sent MAX_PROFILE_EVENTS_PER_SECOND in that second")
        .buildWithCallback(m -> m.record(profileRates.refused()));
    meter.gaugeBuilder("chat.gateway.ready").ofLongs().setDescription("1 while this gateway should get traffic: serving, not draining, breaker closed, engine delivering (gRPC health, /readyz)")
        .buildWithCallback(m -> m.record(ready.getAsBoolean() ? 1 : 0));
    meter.gaugeBuilder("chat.gateway.upstream.breaker_open").ofLongs().setDescription("1 while the circuit breaker to the core is open")
        .buildWithCallback(m -> m.record(breakerOpen.getAsBoolean() ? 1 : 0));
    meter.gaugeBuilder("chat.gateway.engine.healthy").ofLongs().setDescription("1 while the engine (Redis pub/sub) delivers")
        .buildWithCallback(m -> m.record(engineHealthy.getAsBoolean() ? 1 : 0));
    meter.gaugeBuilder("chat.gateway.engine.lag").setUnit("s").setDescription("Round trip of the engine's self-ping through Redis")
        .buildWithCallback(m -> {
          double lag = engineLagSeconds.getAsDouble();
          if (lag >= 0) {
            m.record(lag);
          }
        });
  }

  private Attributes of(AttributeKey<String> key, String value) {
    return attributes.computeIfAbsent(key.getKey() + "=" + value, k -> Attributes.of(key, value));
  }

  /** A limit's use as a gauge named {@code inUse} and its refusals as a counter named {@code refused}. */
  private static void export(Meter meter, ConcurrencyLimit limit, String inUse, String refused, String inUseDescription, String refusedDescription) {
    meter.gaugeBuilder(inUse).ofLongs().setDescription(inUseDescription).buildWithCallback(m -> m.record(limit.inUse()));
    meter.counterBuilder(refused).setDescription(refusedDescription).buildWithCallback(m -> m.record(limit.refused()));
  }

  @Override
  public void sessionOpened(String transport) {
    activeConnections.add(1, of(TRANSPORT, transport));
    sessionsOpened.add(1, of(TRANSPORT, transport));
  }

  @Override
  public void sessionClosed(String transport, String reason) {
    activeConnections.add(-1, of(TRANSPORT, transport));
    sessionsClosed.add(1, attributes.computeIfAbsent(transport + "/" + reason, k -> Attributes.of(TRANSPORT, transport, REASON, reason)));
  }

  @Override
  public void frameReceived(String frame) {
    framesReceived.add(1, of(FRAME, frame));
  }

  @Override
  public void frameRateLimited() {
    framesRateLimited.add(1);
  }

  @Override
  public void slowConsumerCut() {
    slowConsumersCut.add(1);
  }

  @Override
  public void eventsSent(int count) {
    eventsSent.add(count);
  }

  @Override
  public void presenceDelivered(int count) {
    if (count > 0) {
      presenceDeliveries.add(count);
    }
  }

  @Override
  public void fannedOut(int recipients, long nanos) {
    fanoutDeliveries.add(recipients);
    fanoutDuration.record(nanos / 1e9);
  }

  @Override
  public void historyRead(boolean fromCache, int events) {
    historyReads.add(1, fromCache ? FROM_CACHE : FROM_CORE);
    historyEvents.add(events, fromCache ? FROM_CACHE : FROM_CORE);
  }

  /** Records one finished call to the core. */
  public void upstreamCall(String method, String code, long nanos) {
    upstreamDuration.record(nanos / 1e9, attributes.computeIfAbsent(method + "/" + code, k -> Attributes.of(METHOD, method, CODE, code)));
  }
}
