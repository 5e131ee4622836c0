package io.chatgateway.gateway.tls;

import static java.util.Objects.requireNonNull;

import io.chatgateway.gateway.env.ConfigException;
import io.chatgateway.gateway.env.EnvReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * TLS on both device ports (gRPC and HTTP), present only when {@code TLS_CERT_FILE} and {@code
 * TLS_KEY_FILE} are set.
 *
 * @param certFile {@code TLS_CERT_FILE}: the server's certificate chain, PEM, leaf first
 * @param keyFile {@code TLS_KEY_FILE}: its private key, PEM, PKCS#8 ({@code BEGIN PRIVATE KEY})
 * @param clientCaFile {@code TLS_CLIENT_CA_FILE}: when set, every client must present a certificate
 *     that chains to one of these PEM certificates (mTLS)
 * @param reloadInterval {@code TLS_RELOAD_SEC}: how often the files are looked at; changed ones are
 *     served to new connections, open ones keep theirs
 */
public record TlsConfig(Path certFile, Path keyFile, Optional<Path> clientCaFile, Duration reloadInterval) {

  public TlsConfig {
    requireNonNull(certFile, "certFile");
    requireNonNull(keyFile, "keyFile");
    requireNonNull(clientCaFile, "clientCaFile");
    requireNonNull(reloadInterval, "reloadInterval");
  }

  /** Empty when neither file is named (plaintext ports); throws when the set is incomplete. */
  public static Optional<TlsConfig> fromEnvironment(EnvReader env) {
    Optional<String> cert = env.optional("TLS_CERT_FILE");
    Optional<String> key = env.optional("TLS_KEY_FILE");
    Optional<String> clientCa = env.optional("TLS_CLIENT_CA_FILE");
    if (cert.isPresent() != key.isPresent()) {
      throw new ConfigException("TLS_CERT_FILE and TLS_KEY_FILE: set both (TLS on the device ports) or neither (plaintext)");
    }
    if (cert.isEmpty()) {
      if (clientCa.isPresent()) {
        throw new ConfigException("TLS_CLIENT_CA_FILE: client certificates need TLS; set TLS_CERT_FILE and TLS_KEY_FILE too");
      }
      return Optional.empty();
    }
    return Optional.of(
        new TlsConfig(
            path("TLS_CERT_FILE", cert.get()),
            path("TLS_KEY_FILE", key.get()),
            clientCa.map(raw -> path("TLS_CLIENT_CA_FILE", raw)),
            Duration.ofSeconds(env.integer("TLS_RELOAD_SEC", 30, 1, 86_400))));
  }

  private static Path path(String variable, String raw) {
    try {
      return Path.of(raw);
    } catch (InvalidPathException e) {
      throw EnvReader.invalid(variable, "a file path", raw);
    }
  }
}
