package io.chatgateway.device;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Where a {@link ChatClient} gets access tokens: before every connection attempt, ahead of the
 * current token's expiry (sent as {@code refresh_token}), and after the gateway refused one. A
 * supplier that answers with the token the gateway just refused tells the client nothing will fix
 * it: the client stops with {@link StateChange.Cause#UNAUTHENTICATED}.
 *
 * <p>Called on the client's loop: it must not block. Fetch over the network asynchronously, or
 * wrap a blocking call with {@link #blocking(Supplier, Executor)}.
 */
@FunctionalInterface
public interface TokenSupplier {

  /** The token to use now; a failed stage counts as a failed connection attempt and is retried. */
  CompletionStage<String> token();

  /** Always the same token: for tests, demos and long-lived device credentials. */
  static TokenSupplier fixed(String token) {
    requireNonNull(token, "token");
    CompletableFuture<String> done = CompletableFuture.completedFuture(token);
    return () -> done;
  }

  /** A blocking source (an HTTP call to your auth service) run on {@code executor}. */
  static TokenSupplier blocking(Supplier<String> source, Executor executor) {
    requireNonNull(source, "source");
    requireNonNull(executor, "executor");
    return () -> CompletableFuture.supplyAsync(source, executor);
  }
}
