package io.chatgateway.client;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Metadata;
import java.nio.charset.CharacterCodingException;

/**
 * The authenticated caller on whose behalf the gateway calls the core.
 *
 * <p>The gateway verifies the device's token, puts the resulting identity in the gRPC {@link
 * Context} under {@link #CONTEXT_KEY}, and {@link ChatServiceClient} copies it into the binary
 * metadata keys {@link #PROFILE_ID_KEY} and {@link #DEVICE_ID_KEY} of every upstream call: the ids'
 * UTF-8 bytes, exactly (ASCII metadata would turn every non-ASCII letter into {@code ?}, and make
 * {@code jürgen} and {@code jörgen} one user). The core reads it back with {@link #fromMetadata},
 * which refuses bytes that are not UTF-8 and ids that break the {@link Ids} rule. The core trusts
 * these keys, so it must only be reachable by gateways, and gateways never forward a device's own
 * metadata.
 *
 * <p>Both ids follow {@link Ids}: constructing an identity that breaks the rule throws
 * IllegalArgumentException with the reason.
 *
 * <p>The {@link Kind} says whether the caller is a person's device or an internal service acting as
 * itself (a bot posting system messages, a backend managing rooms); it travels in {@link #KIND_KEY},
 * absent for users, so a core of an earlier version sees every caller as a user.
 */
public record CallerIdentity(String profileId, String deviceId, Kind kind) {

  /** Who is calling: a user's device, or a service principal acting as itself. */
  public enum Kind {
    USER,
    SERVICE
  }

  /** Metadata key carrying {@code service} for a service principal; absent for users. */
  public static final Metadata.Key<String> KIND_KEY = Metadata.Key.of("x-chat-principal-kind", Metadata.ASCII_STRING_MARSHALLER);

  /** Binary metadata key carrying the profile id ({@code sub} of the device's token) as UTF-8. */
  public static final Metadata.Key<String> PROFILE_ID_KEY =
      Metadata.Key.of("x-chat-profile-id-bin", Utf8Marshaller.INSTANCE);

  /** Binary metadata key carrying the device id ({@code device_id} claim, or {@code default}) as UTF-8. */
  public static final Metadata.Key<String> DEVICE_ID_KEY =
      Metadata.Key.of("x-chat-device-id-bin", Utf8Marshaller.INSTANCE);

  /** The ASCII keys of earlier versions; a core refuses a call that carries them (see {@link #fromMetadata}). */
  static final Metadata.Key<String> LEGACY_PROFILE_ID_KEY =
      Metadata.Key.of("x-chat-profile-id", Metadata.ASCII_STRING_MARSHALLER);

  /** Where the gateway keeps the identity of the call being served. */
  public static final Context.Key<CallerIdentity> CONTEXT_KEY = Context.key("chat-caller-identity");

  /** Device id used when a token names no device. */
  public static final String DEFAULT_DEVICE_ID = "default";

  public CallerIdentity {
    requireNonNull(profileId, "profileId");
    requireNonNull(deviceId, "deviceId");
    requireNonNull(kind, "kind");
    Ids.require("profile id", profileId);
    Ids.require("device id", deviceId);
  }

  /** A binary metadata key whose value is UTF-8 text, decoded strictly like the identity keys. */
  public static Metadata.Key<String> utf8Key(String name) {
    return Metadata.Key.of(name, Utf8Marshaller.INSTANCE);
  }

  /** A user's device. */
  public CallerIdentity(String profileId, String deviceId) {
    this(profileId, deviceId, Kind.USER);
  }

  /** Whether this is a service principal acting as itself. */
  public boolean service() {
    return kind == Kind.SERVICE;
  }

  /** Identity of the call being served on this thread, or {@code null} outside an authenticated call. */
  public static CallerIdentity current() {
    return CONTEXT_KEY.get();
  }

  /** Writes this identity into outgoing metadata, replacing any value already there. */
  public void writeTo(Metadata headers) {
    headers.discardAll(PROFILE_ID_KEY);
    headers.discardAll(DEVICE_ID_KEY);
    headers.discardAll(LEGACY_PROFILE_ID_KEY);
    headers.put(PROFILE_ID_KEY, profileId);
    headers.put(DEVICE_ID_KEY, deviceId);
    headers.discardAll(KIND_KEY);
    if (kind == Kind.SERVICE) {
      headers.put(KIND_KEY, "service");
    }
  }

  /**
   * Reads an identity from incoming metadata, or returns {@code null} when no profile id is present.
   *
   * @throws IllegalArgumentException when the metadata names a caller it cannot name exactly: bytes
   *     that are not UTF-8, an id that breaks the {@link Ids} rule, several values for one key, or the
   *     ASCII key of earlier versions (which lost non-ASCII letters)
   */
  public static CallerIdentity fromMetadata(Metadata headers) {
    if (headers.containsKey(LEGACY_PROFILE_ID_KEY)) {
      throw new IllegalArgumentException(
          "identity metadata must be " + PROFILE_ID_KEY.name() + " (UTF-8 bytes), not the ASCII " + LEGACY_PROFILE_ID_KEY.name());
    }
    String profileId = single(headers, PROFILE_ID_KEY);
    if (profileId == null) {
      return null;
    }
    String deviceId = single(headers, DEVICE_ID_KEY);
    String kind = single(headers, KIND_KEY);
    if (kind != null && !kind.equals("service") && !kind.equals("user")) {
      throw new IllegalArgumentException("identity metadata " + KIND_KEY.name() + " must be user or service");
    }
    return new CallerIdentity(profileId, deviceId == null ? DEFAULT_DEVICE_ID : deviceId, "service".equals(kind) ? Kind.SERVICE : Kind.USER);
  }

  private static String single(Metadata headers, Metadata.Key<String> key) {
    Iterable<String> values = headers.getAll(key);
    if (values == null) {
      return null;
    }
    String only = null;
    for (String value : values) {
      if (only != null) {
        throw new IllegalArgumentException("identity metadata " + key.name() + " appears more than once");
      }
      only = value;
    }
    return only;
  }

  /** UTF-8 both ways; decoding refuses malformed bytes instead of replacing them. */
  private enum Utf8Marshaller implements Metadata.BinaryMarshaller<String> {
    INSTANCE;

    @Override
    public byte[] toBytes(String value) {
      return Ids.utf8(value);
    }

    @Override
    public String parseBytes(byte[] serialized) {
      try {
        return Utf8.decodeStrictly(serialized);
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("identity metadata is not valid UTF-8");
      }
    }
  }
}
