package io.chatgateway.device;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * One change of a client's {@link ConnectionState}, with why it happened.
 *
 * @param state the new state
 * @param cause why the client is in it
 * @param message human-readable detail (a gateway's error or close message), possibly empty
 * @param retryIn for {@link ConnectionState#WAITING}, how long until the next attempt; otherwise zero
 */
public record StateChange(ConnectionState state, Cause cause, String message, Duration retryIn) {

  /** Why a state was entered. */
  public enum Cause {
    /** The application called {@link ChatClient#connect()}. */
    STARTED,
    /** The gateway answered {@code ready}. */
    READY,
    /** The application called {@link ChatClient#close()}. */
    CLOSED_BY_CLIENT,
    /** The gateway asked the device to reconnect (it is draining); the wait is the gateway's hint. */
    DRAIN,
    /** A newer connection of the same device replaced this one. Fatal. */
    REPLACED,
    /** The gateway refused the token and the token supplier had no other. Fatal when it causes {@code FAILED}. */
    UNAUTHENTICATED,
    /** The gateway refused the device for good (permission denied, wrong service). Fatal. */
    REFUSED,
    /** The token supplier failed; retried like a lost connection. */
    TOKEN_UNAVAILABLE,
    /** No {@code ready} within the hello timeout. */
    HELLO_TIMEOUT,
    /** Nothing arrived for two heartbeat intervals: the connection is taken for dead. */
    HEARTBEAT_TIMEOUT,
    /** The gateway ended the stream with an error it may not repeat (idle, slow consumer, overload). */
    SERVER_ERROR,
    /** The connection failed or the gateway went away without a word. */
    CONNECTION_LOST
  }

  /** Validates the fields. */
  public StateChange {
    requireNonNull(state, "state");
    requireNonNull(cause, "cause");
    requireNonNull(message, "message");
    requireNonNull(retryIn, "retryIn");
  }
}
