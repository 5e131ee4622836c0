package io.chatgateway.client;

import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Health checks that report where they were answered: what the client tests ask of a connection. */
final class HealthCalls {

  private HealthCalls() {}

  /**
   * Makes a health check on {@code channel} from {@code where} (the call is created and started
   * there); returns the name of the thread its answer arrived on, within 10 s.
   */
  static String answeredOn(Channel channel, Executor where) throws Exception {
    CompletableFuture<String> answeredOn = new CompletableFuture<>();
    where.execute(
        () ->
            HealthGrpc.newStub(channel)
                .check(
                    HealthCheckRequest.getDefaultInstance(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(HealthCheckResponse response) {
                        answeredOn.complete(Thread.currentThread().getName());
                      }

                      @Override
                      public void onError(Throwable t) {
                        answeredOn.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {}
                    }));
    return answeredOn.get(10, TimeUnit.SECONDS);
  }
}
