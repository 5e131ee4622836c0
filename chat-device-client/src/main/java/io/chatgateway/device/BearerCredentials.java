package io.chatgateway.device;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * Client-side call credentials that send {@code authorization: Bearer <token>}: how devices, the demo
 * command, tests and benchmarks authenticate to the gateway. Immutable; safe on any thread.
 */
public final class BearerCredentials extends CallCredentials {

  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String headerValue;

  private BearerCredentials(String headerValue) {
    this.headerValue = headerValue;
  }

  /** Credentials for {@code token} (a compact JWT). */
  public static BearerCredentials of(String token) {
    return new BearerCredentials("Bearer " + requireNonNull(token, "token"));
  }

  /** Credentials sending {@code headerValue} verbatim, for testing malformed headers. */
  public static BearerCredentials rawHeader(String headerValue) {
    return new BearerCredentials(requireNonNull(headerValue, "headerValue"));
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, headerValue);
    applier.apply(headers);
  }
}
