package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The gateway's access token for the core, from an OAuth2 token endpoint with the client credentials
 * grant. Fetched on first use and kept; once 80% of its life has passed the next caller starts a
 * fetch in the background and keeps getting the current token, so after the first call no call
 * waits for the endpoint while it answers. A token is not used in the last tenth of its life (at most
 * 30 s), which absorbs clock differences with the core.
 *
 * <p>A failed fetch is answered to the callers waiting for it and to those arriving within {@link
 * #RETRY_AFTER}; the next caller after that tries again, so a down endpoint sees at most one request
 * per second from a gateway however busy it is.
 *
 * <p>Threading: {@link #get} from any thread. The token and the fetch in flight are guarded by
 * {@code this}; a fetch completes on the HTTP client's threads.
 */
public final class ServiceToken {

  /** How long a failed fetch is answered before the endpoint is asked again. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);
  /** Lifetime assumed when the endpoint sends no {@code expires_in}. */
  static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final ClientCredentials credentials;
  private final HttpClient http;
  private final LongSupplier nanoTime;
  private final AtomicInteger fetches = new AtomicInteger();

  private String token;
  private long refreshAtNanos;
  private long expiresAtNanos;
  private CompletableFuture<String> fetching;
  private Throwable failure;
  private long failedAtNanos;

  public ServiceToken(ClientCredentials credentials, HttpClient http, LongSupplier nanoTime) {
    this.credentials = requireNonNull(credentials, "credentials");
    this.http = requireNonNull(http, "http");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  /** The current token, or the fetch that will bring one; fails with a {@link TokenEndpointException} saying why. */
  public CompletableFuture<String> get() {
    synchronized (this) {
      long now = nanoTime.getAsLong();
      if (token != null && now - expiresAtNanos < 0) {
        if (now - refreshAtNanos >= 0 && fetching == null && !failedRecently(now)) {
          fetch(now); // in the background: this caller keeps the current token
        }
        return CompletableFuture.completedFuture(token);
      }
      if (fetching != null) {
        return fetching;
      }
      if (failedRecently(now)) {
        return CompletableFuture.failedFuture(failure);
      }
      return fetch(now);
    }
  }

  /** Requests sent to the token endpoint so far. */
  public int fetches() {
    return fetches.get();
  }

  public ClientCredentials credentials() {
    return credentials;
  }

  private boolean failedRecently(long now) {
    return failure != null && now - failedAtNanos < RETRY_AFTER.toNanos();
  }

  /** Starts a fetch; the caller holds the lock. */
  private CompletableFuture<String> fetch(long startedAt) {
    fetches.incrementAndGet();
    StringBuilder form = new StringBuilder("grant_type=client_credentials");
    credentials.scope().ifPresent(scope -> form.append("&scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8)));
    // RFC 6749 §2.3.1: both parts form-encoded, then Basic.
    String basic =
        URLEncoder.encode(credentials.clientId(), StandardCharsets.UTF_8) + ":" + URLEncoder.encode(credentials.clientSecret(), StandardCharsets.UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(credentials.tokenEndpoint())
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
            .build();
    CompletableFuture<String> result = new CompletableFuture<>();
    fetching = result;
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(this::parse)
        .whenComplete(
            (answer, error) -> {
              Throwable cause = error == null ? null : unwrap(error);
              synchronized (this) {
                fetching = null;
                if (cause == null) {
                  long lifetime = answer.lifetime().toNanos();
                  token = answer.accessToken();
                  refreshAtNanos = startedAt + lifetime / 10 * 8;
                  expiresAtNanos = startedAt + lifetime - Math.min(lifetime / 10, Duration.ofSeconds(30).toNanos());
                  failure = null;
                } else {
                  failure = cause;
                  failedAtNanos = nanoTime.getAsLong();
                }
              }
              if (cause == null) {
                result.complete(answer.accessToken());
              } else {
                result.completeExceptionally(cause);
              }
            });
    return result;
  }

  private record Answer(String accessToken, Duration lifetime) {}

  private Answer parse(HttpResponse<String> response) {
    Struct body = json(response.body());
    if (response.statusCode() != 200) {
      String error = text(body, "error");
      String description = text(body, "error_description");
      throw new TokenEndpointException(
          "token endpoint " + credentials.tokenEndpoint() + " answered HTTP " + response.statusCode()
              + (error == null ? "" : ": " + error + (description == null ? "" : " (" + description + ")")));
    }
    String accessToken = text(body, "access_token");
    if (accessToken == null || accessToken.isEmpty()) {
      throw new TokenEndpointException("token endpoint " + credentials.tokenEndpoint() + " answered without an access_token");
    }
    String type = text(body, "token_type");
    if (type != null && !type.equalsIgnoreCase("bearer")) {
      throw new TokenEndpointException("token endpoint " + credentials.tokenEndpoint() + " answered a '" + type + "' token; only bearer tokens are sent");
    }
    Value expiresIn = body.getFieldsMap().get("expires_in");
    Duration lifetime =
        expiresIn != null && expiresIn.hasNumberValue() && expiresIn.getNumberValue() > 0
            ? Duration.ofMillis((long) (expiresIn.getNumberValue() * 1000))
            : DEFAULT_LIFETIME;
    return new Answer(accessToken, lifetime);
  }

  private Struct json(String text) {
    Struct.Builder body = Struct.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(text, body);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return Struct.getDefaultInstance(); // not JSON: judged by the status and the missing token
    }
    return body.build();
  }

  private static String text(Struct body, String field) {
    Value value = body.getFieldsMap().get(field);
    return value != null && value.hasStringValue() ? value.getStringValue() : null;
  }

  private Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof TokenEndpointException ? cause : new TokenEndpointException("token endpoint " + credentials.tokenEndpoint() + " unreachable: " + cause, cause);
  }

  /** Why no token could be had; its message is safe to log and to send as a status description. */
  public static final class TokenEndpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TokenEndpointException(String message) {
      super(message);
    }

    TokenEndpointException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
