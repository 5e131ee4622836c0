package io.chatgateway.device;

import io.grpc.CallCredentials;
import io.grpc.Status;
import java.util.concurrent.Executor;

/** Call credentials that ask a {@link TokenSupplier} for the bearer token of every call. */
final class SuppliedCredentials extends CallCredentials {

  private final TokenSupplier tokens;

  SuppliedCredentials(TokenSupplier tokens) {
    this.tokens = tokens;
  }

  @Override
  public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    ClientCore.fetchToken(tokens).whenComplete((token, error) -> {
      if (error != null || token == null) {
        applier.fail(Status.UNAUTHENTICATED.withDescription("the token supplier failed").withCause(error));
      } else {
        BearerCredentials.of(token).applyRequestMetadata(requestInfo, appExecutor, applier);
      }
    });
  }
}
