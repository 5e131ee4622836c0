package io.chatgateway.gateway.session;

import static java.util.Objects.requireNonNull;

import io.chatgateway.proto.v1.ErrorCode;

/**
 * A core call that failed, already in the stream's terms: the {@link ErrorCode} the device gets and
 * a message for it. Carries no stack trace: it is an answer, not a bug.
 */
public final class CoreCallException extends RuntimeException {

  private final ErrorCode code;

  public CoreCallException(ErrorCode code, String message) {
    super(requireNonNull(message, "message"), null, false, false);
    this.code = requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  /** The failure of a completed stage: the {@link CoreCallException} inside, or INTERNAL for anything else. */
  static CoreCallException of(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof CoreCallException known ? known : new CoreCallException(ErrorCode.ERROR_CODE_INTERNAL, String.valueOf(cause));
  }
}
