package io.chatgateway.gateway.engine;

import io.chatgateway.gateway.backplane.Engine;
import io.chatgateway.proto.v1.BusEnvelope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The single-process engine: a publish is handed straight to the local fan-out on the publisher's
 * thread. The publisher (the embedded core) holds the room's lock while publishing, which is what
 * keeps a room's envelopes in order; the sink must therefore only enqueue, never block.
 */
public final class InMemoryEngine implements Engine {

  private volatile Consumer<BusEnvelope> sink;

  @Override
  public void start(Consumer<BusEnvelope> sink) {
    this.sink = sink;
  }

  @Override
  public void publish(BusEnvelope envelope) {
    Consumer<BusEnvelope> target = sink;
    if (target != null) {
      target.accept(envelope); // rooms without local subscribers are ignored by the fan-out
    }
  }

  @Override
  public void roomActive(String roomId) {}

  @Override
  public void roomInactive(String roomId) {}

  @Override
  public CompletionStage<Void> whenDelivering(String roomId) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public boolean healthy() {
    return true;
  }

  @Override
  public void close() {
    sink = null;
  }
}
