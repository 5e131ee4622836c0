package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Metadata;

/**
 * The authenticated caller on whose behalf the gateway calls the core.
 *
 * <p>The gateway verifies the device's token, puts the resulting identity in the gRPC {@link
 * Context} under {@link #CONTEXT_KEY}, and {@link ChatServiceClient} copies it into the metadata
 * keys {@link #PROFILE_ID_KEY} and {@link #DEVICE_ID_KEY} of every upstream call. The core reads it
 * back with {@link #fromMetadata}. The core trusts these keys, so it must only be reachable by
 * gateways, and gateways never forward a device's own metadata.
 */
public record CallerIdentity(String profileId, String deviceId) {

  /** Metadata key carrying the profile id ({@code sub} of the device's token). */
  public static final Metadata.Key<String> PROFILE_ID_KEY =
      Metadata.Key.of("x-chat-profile-id", Metadata.ASCII_STRING_MARSHALLER);

  /** Metadata key carrying the device id ({@code device_id} claim, or {@code default}). */
  public static final Metadata.Key<String> DEVICE_ID_KEY =
      Metadata.Key.of("x-chat-device-id", Metadata.ASCII_STRING_MARSHALLER);

  /** Where the gateway keeps the identity of the call being served. */
  public static final Context.Key<CallerIdentity> CONTEXT_KEY = Context.key("chat-caller-identity");

  /** Device id used when a token names no device. */
  public static final String DEFAULT_DEVICE_ID = "default";

  public CallerIdentity {
    requireNonNull(profileId, "profileId");
    requireNonNull(deviceId, "deviceId");
    if (profileId.isEmpty()) {
      throw new IllegalArgumentException("profileId must not be empty");
    }
    if (deviceId.isEmpty()) {
      throw new IllegalArgumentException("deviceId must not be empty");
    }
  }

  /** Identity of the call being served on this thread, or {@code null} outside an authenticated call. */
  public static CallerIdentity current() {
    return CONTEXT_KEY.get();
  }

  /** Writes this identity into outgoing metadata, replacing any value already there. */
  public void writeTo(Metadata headers) {
    headers.discardAll(PROFILE_ID_KEY);
    headers.discardAll(DEVICE_ID_KEY);
    headers.put(PROFILE_ID_KEY, profileId);
    headers.put(DEVICE_ID_KEY, deviceId);
  }

  /** Reads an identity from incoming metadata, or returns {@code null} when no profile id is present. */
  public static CallerIdentity fromMetadata(Metadata headers) {
    String profileId = headers.get(PROFILE_ID_KEY);
    if (profileId == null || profileId.isEmpty()) {
      return null;
    }
    String deviceId = headers.get(DEVICE_ID_KEY);
    return new CallerIdentity(
        profileId, deviceId == null || deviceId.isEmpty() ? DEFAULT_DEVICE_ID : deviceId);
  }
}
