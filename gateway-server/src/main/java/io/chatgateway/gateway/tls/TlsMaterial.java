package io.chatgateway.gateway.tls;

import io.chatgateway.gateway.env.ConfigException;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * One endpoint's TLS material from its {@link TlsConfig} files: a key manager for its own
 * certificate and a trust manager for the CAs the other side must chain to, each present when its
 * files are. The gateway's gRPC and HTTP listeners share one instance, so a reload reaches new
 * handshakes on both ports at once while open connections keep the certificate they were opened
 * with; the standalone core's port and the gateway's channel to the core have their own.
 *
 * <p>Files are re-read every {@link TlsConfig#reloadInterval()} once {@link #watch} was called; a
 * changed set is parsed and checked (the key belongs to the certificate) before either manager
 * changes, and a set that does not load (a half-written rotation, a key that does not match, a
 * missing file) is logged once while the previous material stays in use.
 *
 * <p>Threading: {@link #reloadIfChanged} runs on one thread at a time (the scheduler's, or a
 * test's); the managers it updates are read by handshakes on any thread, which they allow.
 */
public final class TlsMaterial implements AutoCloseable {

  /** Which side of the handshake this material serves. */
  public enum Role {
    /** Presents its certificate; with a CA file, requires clients' certificates from it. */
    SERVER,
    /** Presents its certificate if it has one (mTLS); with a CA file, trusts servers of it only. */
    CLIENT
  }

  private static final Logger log = Logger.getLogger(TlsMaterial.class.getName());

  private final TlsConfig config;
  private final Role role;
  private final AdvancedTlsX509KeyManager keys; // null without a certificate of its own
  private final AdvancedTlsX509TrustManager trust; // null without a CA file
  /** The file contents now in use, the last set refused, the last warning; owned by the reloading thread. */
  private FileSet inUse;
  private FileSet refused;
  private String lastWarning;
  private volatile X509Certificate served;
  private volatile ScheduledFuture<?> watching;

  private TlsMaterial(TlsConfig config, Role role, FileSet files) {
    if (role == Role.SERVER && !config.hasIdentity()) {
      throw new IllegalArgumentException("a server needs a certificate: " + config.variables().cert());
    }
    this.config = config;
    this.role = role;
    this.keys = config.hasIdentity() ? new AdvancedTlsX509KeyManager() : null;
    this.trust = config.caFile().isPresent() ? verifier(role) : null;
    apply(files);
  }

  /**
   * A server checks only that a client's chain leads to a configured CA (host names mean nothing
   * for clients); a client also that the certificate names the host it dialled.
   */
  private static AdvancedTlsX509TrustManager verifier(Role role) {
    try {
      return AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(
              role == Role.SERVER
                  ? AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION
                  : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no X.509 trust manager", e);
    }
  }

  /** Loads the files; throws a {@link ConfigException} naming the variable of the first bad one. */
  public static TlsMaterial load(TlsConfig config, Role role) {
    return new TlsMaterial(config, role, FileSet.read(config));
  }

  /** Credentials for a gRPC server: TLS, requiring a client certificate when a CA file is set. */
  public ServerCredentials serverCredentials() {
    TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder().keyManager(keys);
    if (trust != null) {
      credentials.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return credentials.build();
  }

  /** Credentials for a gRPC channel: its certificate if it has one, the CA file's trust or the system's. */
  public ChannelCredentials channelCredentials() {
    TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder();
    if (keys != null) {
      credentials.keyManager(keys);
    }
    if (trust != null) {
      credentials.trustManager(trust);
    }
    return credentials.build();
  }

  /** A JDK context over the same managers, for an HTTPS listener. */
  public SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : new KeyManager[] {keys}, trust == null ? null : new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  /** Whether a server requires clients' certificates (its CA file is set). */
  public boolean requiresClientCertificates() {
    return role == Role.SERVER && trust != null;
  }

  /** When the certificate now presented expires; empty without one. */
  public Optional<Instant> notAfter() {
    return Optional.ofNullable(served).map(certificate -> certificate.getNotAfter().toInstant());
  }

  /** The certificate new connections are presented, or null without one. */
  X509Certificate served() {
    return served;
  }

  /** Re-reads the files every reload interval on {@code scheduler} until {@link #close}. Call once. */
  public void watch(ScheduledExecutorService scheduler) {
    long every = config.reloadInterval().toMillis();
    watching = scheduler.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /** Uses the files' material for new connections if it changed and loads; returns whether it did. */
  boolean reloadIfChanged() {
    FileSet files;
    try {
      files = FileSet.read(config);
    } catch (ConfigException e) {
      warnOnce("TLS files not reloaded, the previous ones stay in use: " + e.getMessage());
      return false;
    }
    if (files.equals(inUse) || files.equals(refused)) {
      return false;
    }
    try {
      apply(files);
    } catch (ConfigException e) {
      refused = files;
      warnOnce("TLS files changed but do not load, the previous ones stay in use: " + e.getMessage());
      return false;
    }
    lastWarning = null;
    log.info(() -> "TLS files reloaded: " + describe());
    return true;
  }

  /** Logs {@code warning} unless it was the last one logged: a file missing for an hour is one line. */
  private void warnOnce(String warning) {
    if (!warning.equals(lastWarning)) {
      lastWarning = warning;
      log.warning(warning);
    }
  }

  private void apply(FileSet files) {
    TlsConfig.Variables names = config.variables();
    PemFiles.Identity identity = files.cert == null ? null : PemFiles.identity(names.cert(), files.cert, names.key(), files.key);
    X509Certificate[] cas = files.ca == null ? null : PemFiles.certificates(names.ca(), files.ca);
    // Everything is parsed and checked before either manager changes: never half a rotation.
    if (trust != null) {
      try {
        trust.updateTrustCredentials(cas);
      } catch (IOException | GeneralSecurityException e) {
        throw new ConfigException(names.ca() + ": the certificates cannot be trusted (" + e.getMessage() + ")");
      }
    }
    if (identity != null) {
      keys.updateIdentityCredentials(identity.chain(), identity.key());
      served = identity.chain()[0];
    }
    inUse = files;
    refused = null;
  }

  /** What is presented and required, for the log. */
  public String describe() {
    String own = served == null ? "no certificate of its own" : "presenting " + served.getSubjectX500Principal().getName() + " from " + config.certFile().orElseThrow() + " until " + notAfter().orElseThrow();
    String other =
        trust == null
            ? ""
            : role == Role.SERVER ? ", client certificates required" : ", trusting the CAs of " + config.caFile().orElseThrow();
    return own + other;
  }

  @Override
  public void close() {
    ScheduledFuture<?> running = watching;
    if (running != null) {
      running.cancel(false);
    }
  }

  /** The bytes of the configured files as read at one moment; null for a file not configured. */
  private record FileSet(byte[] cert, byte[] key, byte[] ca) {

    static FileSet read(TlsConfig config) {
      TlsConfig.Variables names = config.variables();
      return new FileSet(
          config.certFile().map(path -> bytes(names.cert(), path)).orElse(null),
          config.keyFile().map(path -> bytes(names.key(), path)).orElse(null),
          config.caFile().map(path -> bytes(names.ca(), path)).orElse(null));
    }

    private static byte[] bytes(String variable, Path path) {
      try {
        return Files.readAllBytes(path);
      } catch (IOException e) {
        throw new ConfigException(variable + ": cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
      }
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof FileSet that && Arrays.equals(cert, that.cert) && Arrays.equals(key, that.key) && Arrays.equals(ca, that.ca);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * Arrays.hashCode(cert) + Arrays.hashCode(key)) + Arrays.hashCode(ca);
    }
  }
}
