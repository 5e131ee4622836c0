package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * Puts the gateway's {@link ServiceToken} on every upstream call as {@code authorization: Bearer}.
 * A call made while no token can be had fails with UNAVAILABLE naming the token endpoint's answer,
 * which counts against the circuit breaker like an unreachable core.
 */
public final class ServiceCallCredentials extends CallCredentials {

  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ServiceToken token;

  public ServiceCallCredentials(ServiceToken token) {
    this.token = requireNonNull(token, "token");
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    token
        .get()
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + value);
                applier.apply(headers);
              } else {
                applier.fail(Status.UNAVAILABLE.withDescription("the gateway has no token for the core: " + error.getMessage()));
              }
            });
  }
}
