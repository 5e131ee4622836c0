package io.chatgateway.bench.scenario;

import io.chatgateway.bench.loadgen.DeviceTokens;
import io.chatgateway.bench.reference.PassThroughProxy;
import io.chatgateway.bench.report.JsonObject;
import io.chatgateway.bench.report.Medians;
import io.chatgateway.bench.report.ScenarioResult;
import io.chatgateway.client.CallerIdentity;
import io.chatgateway.core.CoreServer;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.device.BearerCredentials;
import io.chatgateway.gateway.config.GatewayConfig;
import io.chatgateway.proto.v1.ChatServiceGrpc;
import io.chatgateway.proto.v1.ChatServiceGrpc.ChatServiceBlockingStub;
import io.chatgateway.proto.v1.CreateRoomRequest;
import io.chatgateway.proto.v1.EventType;
import io.chatgateway.proto.v1.GetHistoryRequest;
import io.chatgateway.proto.v1.RoomEvent;
import io.chatgateway.proto.v1.SendEventRequest;
import io.chatgateway.proto.v1.TextPayload;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Forwarding overhead: the same unary calls against the core directly, through a bare grpc-java
 * pass-through proxy ({@link PassThroughProxy}: what a second hop costs, the limit for a forwarder),
 * through a pass-through gateway, and through a gateway that parses what it forwards. Targets are
 * interleaved round by round in one process, so machine noise hits all alike. Reported per call
 * kind is the median throughput over the rounds, and its ratio to calling the core directly and to
 * the bare proxy.
 */
public final class ForwardingOverhead {

  /** What to run. */
  public record Options(int callsPerRound, int concurrency, int rounds, int historyPage) {}

  /** One target and call kind: median calls per second and mean latency over the rounds. */
  public record Result(String call, String target, double callsPerSecond, double meanLatencyMicros, long errors, double ratioToDirect, double ratioToProxy) {}

  private static final String DIRECT = "direct to core";
  private static final String PROXY = "bare grpc-java proxy";

  private ForwardingOverhead() {}

  public static List<Result> run(Options options, Consumer<String> progress) throws Exception {
    try (CoreServer core = CoreServer.start(0, envelope -> {}, "bench-core");
        GatewayServer passThrough = GatewayServer.start(GatewayConfig.fromEnvironment(env(core, "pass_through")));
        GatewayServer parsed = GatewayServer.start(GatewayConfig.fromEnvironment(env(core, "parsed")))) {
      PassThroughProxy proxy = PassThroughProxy.start(core.port());
      Map<String, ManagedChannel> channels = new LinkedHashMap<>();
      channels.put(DIRECT, channel(core.port()));
      channels.put(PROXY, channel(proxy.port()));
      channels.put("gateway, pass-through", channel(passThrough.grpcPort()));
      channels.put("gateway, parsed", channel(parsed.grpcPort()));
      try {
        Map<String, ChatServiceBlockingStub> stubs = new LinkedHashMap<>();
        Metadata identity = new Metadata();
        new CallerIdentity("bench-user", "bench").writeTo(identity);
        stubs.put(DIRECT, ChatServiceGrpc.newBlockingStub(channels.get(DIRECT)).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(identity)));
        stubs.put(PROXY, ChatServiceGrpc.newBlockingStub(channels.get(PROXY)).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(identity)));
        String token = DeviceTokens.token("bench-user");
        stubs.put("gateway, pass-through", ChatServiceGrpc.newBlockingStub(channels.get("gateway, pass-through")).withCallCredentials(BearerCredentials.of(token)));
        stubs.put("gateway, parsed", ChatServiceGrpc.newBlockingStub(channels.get("gateway, parsed")).withCallCredentials(BearerCredentials.of(token)));

        ChatServiceBlockingStub setup = stubs.get(DIRECT);
        String roomId = setup.createRoom(CreateRoomRequest.newBuilder().setRoomId("bench").setName("bench").build()).getRoom().getId();
        for (int i = 0; i < options.historyPage(); i++) {
          setup.sendEvent(send(roomId, i));
        }
        Map<String, Call> calls = new LinkedHashMap<>();
        calls.put("SendEvent (small request)", stub -> stub.sendEvent(send(roomId, 0)));
        GetHistoryRequest history = GetHistoryRequest.newBuilder().setRoomId(roomId).setPageSize(options.historyPage()).build();
        calls.put("GetHistory (" + options.historyPage() + " events back)", stub -> stub.getHistory(history));

        // Warm-up: JIT, connections, TLS-free handshakes, allocation paths.
        for (ChatServiceBlockingStub stub : stubs.values()) {
          for (Call call : calls.values()) {
            measure(stub, call, Math.max(50, options.callsPerRound() / 4), options.concurrency());
          }
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        List<String> targets = new ArrayList<>(stubs.keySet());
        for (int round = 0; round < options.rounds(); round++) {
          for (Map.Entry<String, Call> call : calls.entrySet()) {
            for (int t = 0; t < targets.size(); t++) {
              String target = targets.get((t + round) % targets.size()); // rotate who goes first
              Sample sample = measure(stubs.get(target), call.getValue(), options.callsPerRound(), options.concurrency());
              samples.computeIfAbsent(call.getKey() + "\n" + target, k -> new ArrayList<>()).add(sample);
            }
          }
          progress.accept("forwarding: round " + (round + 1) + "/" + options.rounds() + " done");
        }
        List<Result> results = new ArrayList<>();
        for (String call : calls.keySet()) {
          double direct = median(samples.get(call + "\n" + DIRECT));
          double bare = median(samples.get(call + "\n" + PROXY));
          for (String target : targets) {
            List<Sample> list = samples.get(call + "\n" + target);
            double perSecond = median(list);
            double latency = list.stream().mapToDouble(Sample::meanLatencyMicros).average().orElse(0);
            long errors = list.stream().mapToLong(Sample::errors).sum();
            results.add(new Result(call, target, perSecond, latency, errors, perSecond / direct, perSecond / bare));
          }
        }
        return results;
      } finally {
        for (ManagedChannel channel : channels.values()) {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        proxy.close();
      }
    }
  }

  /** The Markdown section and JSON of a run. */
  public static ScenarioResult report(Options options, List<Result> results) {
    StringBuilder md =
        new StringBuilder("## Forwarding overhead\n\n")
            .append(String.format(Locale.ROOT,
                "Unary calls against the embedded core directly, through a bare grpc-java pass-through proxy (no auth, no parsing: what a second hop costs), and through two gateways in front of it (pass-through bytes, and parsed), "
                    + "all in the harness's JVM, targets interleaved round by round: %d calls per round x %d rounds, %d concurrent blocking callers.%n%n",
                options.callsPerRound(), options.rounds(), options.concurrency()))
            .append("| call | target | calls/s (median) | mean latency (us) | added latency (us) | errors | vs direct | vs bare proxy |\n")
            .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    List<JsonObject> rows = new ArrayList<>();
    for (Result r : results) {
      double direct = results.stream().filter(d -> d.call().equals(r.call()) && d.target().equals(DIRECT)).findFirst().orElseThrow().meanLatencyMicros();
      md.append(String.format(Locale.ROOT, "| %s | %s | %,.0f | %.0f | %.0f | %d | %.2f | %.2f |%n",
          r.call(), r.target(), r.callsPerSecond(), r.meanLatencyMicros(), r.meanLatencyMicros() - direct, r.errors(), r.ratioToDirect(), r.ratioToProxy()));
      rows.add(new JsonObject().put("call", r.call()).put("target", r.target()).put("callsPerSecond", r.callsPerSecond())
          .put("meanLatencyMicros", r.meanLatencyMicros()).put("addedLatencyMicros", r.meanLatencyMicros() - direct)
          .put("errors", r.errors()).put("ratioToDirect", r.ratioToDirect()).put("ratioToBareProxy", r.ratioToProxy()));
    }
    md.append("\nTarget: the gateway at 0.95x or more of the bare proxy (the limit for any forwarder on these cores); the ratio to direct is what the second hop costs in all.\n");
    return new ScenarioResult("forwarding", md.toString(),
        new JsonObject().put("callsPerRound", options.callsPerRound()).put("rounds", options.rounds())
            .put("concurrency", options.concurrency()).putObjects("results", rows));
  }

  @FunctionalInterface
  private interface Call {
    void invoke(ChatServiceBlockingStub stub);
  }

  private record Sample(double callsPerSecond, double meanLatencyMicros, long errors) {}

  /** {@code calls} calls from {@code concurrency} threads, each call blocking, with a 10 s deadline. */
  private static Sample measure(ChatServiceBlockingStub stub, Call call, int calls, int concurrency) throws InterruptedException {
    AtomicInteger remaining = new AtomicInteger(calls);
    AtomicLong errors = new AtomicLong();
    AtomicLong latencyNanos = new AtomicLong();
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int t = 0; t < concurrency; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  while (remaining.getAndDecrement() > 0) {
                    long begin = System.nanoTime();
                    try {
                      call.invoke(stub.withDeadlineAfter(10, TimeUnit.SECONDS));
                    } catch (RuntimeException e) {
                      errors.incrementAndGet();
                    }
                    latencyNanos.addAndGet(System.nanoTime() - begin);
                  }
                } finally {
                  done.countDown();
                }
              },
              "bench-client-" + t);
      worker.setDaemon(true);
      worker.start();
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException("forwarding round did not finish in 10 minutes");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Sample(calls / seconds, latencyNanos.get() / 1e3 / calls, errors.get());
  }

  private static double median(List<Sample> samples) {
    return Medians.of(samples.stream().mapToDouble(Sample::callsPerSecond).toArray());
  }

  private static SendEventRequest send(String roomId, int i) {
    return SendEventRequest.newBuilder()
        .setRoomId(roomId)
        .setEvent(
            RoomEvent.newBuilder()
                .setType(EventType.EVENT_TYPE_MESSAGE)
                .setText(TextPayload.newBuilder().setText("benchmark message number " + i + " with a realistic length of text in it, about two hundred bytes of chat; " + "x".repeat(100))))
        .build();
  }

  private static Map<String, String> env(CoreServer core, String marshalling) {
    return Map.of(
        "GRPC_PORT", "0",
        "HTTP_PORT", "0",
        "CHAT_SERVICE_URI", "localhost:" + core.port(),
        "JWT_HMAC_SECRET", DeviceTokens.SECRET,
        "OAUTH2_ISSUER", DeviceTokens.ISSUER,
        "FORWARD_MARSHALLING", marshalling,
        "LOG_LEVEL", "warn");
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build();
  }
}
