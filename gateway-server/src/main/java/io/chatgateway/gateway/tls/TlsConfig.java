package io.chatgateway.gateway.tls;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The PEM files of one TLS endpoint and the variables that name them, so that every error says
 * which variable to fix. Three endpoints use it: the gateway's device ports ({@link #devicePorts}),
 * the standalone core's port ({@link #corePort}), and the gateway as the core's client ({@link
 * #coreClient}).
 *
 * @param variables the names of the variables below, for messages
 * @param certFile a certificate chain, PEM, leaf first: the endpoint's own identity
 * @param keyFile its private key, PEM, PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param caFile PEM certificates of the CAs the other side must chain to: for a server, the client
 *     certificates it requires (mTLS); for a client, the servers it trusts instead of the system's
 * @param reloadInterval how often the files are looked at; changed ones are used for new
 *     connections, open ones keep theirs
 */
public record TlsConfig(Variables variables, Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> caFile, Duration reloadInterval) {

  /** The variables naming the three files. */
  public record Variables(String cert, String key, String ca) {}

  public TlsConfig {
    requireNonNull(variables, "variables");
    requireNonNull(certFile, "certFile");
    requireNonNull(keyFile, "keyFile");
    requireNonNull(caFile, "caFile");
    requireNonNull(reloadInterval, "reloadInterval");
    if (certFile.isPresent() != keyFile.isPresent()) {
      throw new ConfigException(variables.cert() + " and " + variables.key() + ": set both or neither");
    }
  }

  /** Whether this endpoint presents a certificate of its own. */
  public boolean hasIdentity() {
    return certFile.isPresent();
  }

  /**
   * TLS on both device ports ({@code TLS_CERT_FILE}, {@code TLS_KEY_FILE}, {@code
   * TLS_CLIENT_CA_FILE}, {@code TLS_RELOAD_SEC}); empty when no certificate is named (plaintext).
   */
  public static Optional<TlsConfig> devicePorts(EnvReader env) {
    return server(env, new Variables("TLS_CERT_FILE", "TLS_KEY_FILE", "TLS_CLIENT_CA_FILE"), "the device ports");
  }

  /** TLS on the standalone core's port ({@code CORE_TLS_CERT_FILE}, {@code CORE_TLS_KEY_FILE}, {@code CORE_TLS_CLIENT_CA_FILE}). */
  public static Optional<TlsConfig> corePort(EnvReader env) {
    return server(env, new Variables("CORE_TLS_CERT_FILE", "CORE_TLS_KEY_FILE", "CORE_TLS_CLIENT_CA_FILE"), "the core's port");
  }

  /**
   * The gateway's TLS to a remote core when {@code CHAT_SERVICE_TLS} is on: the CAs it trusts
   * ({@code CHAT_SERVICE_CA_FILE}, else the system's) and its client certificate for mTLS ({@code
   * CHAT_SERVICE_CERT_FILE}, {@code CHAT_SERVICE_KEY_FILE}). Empty when none is named.
   */
  public static Optional<TlsConfig> coreClient(EnvReader env, boolean tls) {
    Variables variables = new Variables("CHAT_SERVICE_CERT_FILE", "CHAT_SERVICE_KEY_FILE", "CHAT_SERVICE_CA_FILE");
    Optional<Path> cert = path(env, variables.cert());
    Optional<Path> key = path(env, variables.key());
    Optional<Path> ca = path(env, variables.ca());
    if (cert.isEmpty() && key.isEmpty() && ca.isEmpty()) {
      return Optional.empty();
    }
    if (!tls) {
      throw new ConfigException((ca.isPresent() ? variables.ca() : variables.cert()) + ": TLS files for the core need CHAT_SERVICE_TLS=true");
    }
    return Optional.of(new TlsConfig(variables, cert, key, ca, reload(env)));
  }

  private static Optional<TlsConfig> server(EnvReader env, Variables variables, String what) {
    Optional<Path> cert = path(env, variables.cert());
    Optional<Path> key = path(env, variables.key());
    Optional<Path> ca = path(env, variables.ca());
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException(variables.cert() + " and " + variables.key() + ": set both (TLS on " + what + ") or neither (plaintext)");
    }
    if (cert.isEmpty()) {
      if (ca.isPresent()) {
        throw new ConfigException(variables.ca() + ": client certificates need TLS; set " + variables.cert() + " and " + variables.key() + " too");
      }
      return Optional.empty();
    }
    return Optional.of(new TlsConfig(variables, cert, key, ca, reload(env)));
  }

  private static Duration reload(EnvReader env) {
    return Duration.ofSeconds(env.integer("TLS_RELOAD_SEC", 30, 1, 86_400));
  }

  private static Optional<Path> path(EnvReader env, String variable) {
    return env.optional(variable).map(raw -> {
      try {
        return Path.of(raw);
      } catch (InvalidPathException e) {
        throw EnvReader.invalid(variable, "a file path", raw);
      }
    });
  }
}
