package io.chatgateway.gateway.tls;

import io.chatgateway.gateway.env.ConfigException;
import io.grpc.ServerCredentials;
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
 * The device ports' TLS material: one key manager (and, for mTLS, one trust manager) that both the
 * gRPC and the HTTP listener hand their handshakes to, so a reload reaches new connections on both
 * ports at once while open connections keep the certificate they were opened with.
 *
 * <p>Files are re-read every {@link TlsConfig#reloadInterval()} once {@link #watch} was called; a
 * changed set that does not load (a half-written rotation, a key that does not match) is logged
 * once and the previous material stays in use.
 *
 * <p>Threading: {@link #reloadIfChanged} runs on one thread at a time (the scheduler's, or a
 * test's); the managers it updates are read by handshakes on any thread, which they allow.
 */
public final class ServerTls implements AutoCloseable {

  private static final Logger log = Logger.getLogger(ServerTls.class.getName());

  private final TlsConfig config;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final Optional<AdvancedTlsX509TrustManager> clientCas;
  /** The file contents now in use, and the last set refused; owned by the reloading thread. */
  private FileSet inUse;
  private FileSet refused;
  private String lastWarning;
  private volatile X509Certificate served;
  private volatile ScheduledFuture<?> watching;

  private ServerTls(TlsConfig config, FileSet files) {
    this.config = config;
    this.clientCas = config.clientCaFile().map(unused -> clientVerifier());
    apply(files);
  }

  /** Checks that a client's chain leads to a configured CA; host names mean nothing for clients. */
  private static AdvancedTlsX509TrustManager clientVerifier() {
    try {
      return AdvancedTlsX509TrustManager.newBuilder().setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no X.509 trust manager", e);
    }
  }

  /** Loads the files; throws a {@link ConfigException} naming the variable of the first bad one. */
  public static ServerTls load(TlsConfig config) {
    return new ServerTls(config, FileSet.read(config));
  }

  /** Credentials for the gRPC server: TLS, requiring a client certificate when a client CA is set. */
  public ServerCredentials grpcCredentials() {
    TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder().keyManager(keys);
    clientCas.ifPresent(trust -> credentials.trustManager(trust).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE));
    return credentials.build();
  }

  /** A JDK context over the same managers, for the HTTP listener. */
  public SSLContext sslContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keys}, clientCas.map(trust -> new TrustManager[] {trust}).orElse(null), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  /** Whether clients must present a certificate ({@code TLS_CLIENT_CA_FILE} set). */
  public boolean requiresClientCertificates() {
    return clientCas.isPresent();
  }

  /** When the certificate now served expires. */
  public Instant notAfter() {
    return served.getNotAfter().toInstant();
  }

  /** The certificate new connections are served. */
  X509Certificate served() {
    return served;
  }

  /** Re-reads the files every reload interval on {@code scheduler} until {@link #close}. Call once. */
  public void watch(ScheduledExecutorService scheduler) {
    long every = config.reloadInterval().toMillis();
    watching = scheduler.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /** Serves the files' material to new connections if it changed and loads; returns whether it did. */
  boolean reloadIfChanged() {
    FileSet files;
    try {
      files = FileSet.read(config);
    } catch (ConfigException e) {
      warnOnce("TLS files not reloaded, the previous certificate stays in use: " + e.getMessage());
      return false;
    }
    if (files.equals(inUse) || files.equals(refused)) {
      return false;
    }
    try {
      apply(files);
    } catch (ConfigException e) {
      refused = files;
      warnOnce("TLS files changed but do not load, the previous certificate stays in use: " + e.getMessage());
      return false;
    }
    lastWarning = null;
    log.info(() -> "TLS certificate reloaded: " + describe());
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
    PemFiles.Identity identity = PemFiles.identity(files.cert, files.key);
    X509Certificate[] cas = files.clientCa == null ? null : PemFiles.certificates("TLS_CLIENT_CA_FILE", files.clientCa);
    // Everything is parsed and checked before either manager changes: never half a rotation.
    clientCas.ifPresent(trust -> {
      try {
        trust.updateTrustCredentials(cas);
      } catch (IOException | GeneralSecurityException e) {
        throw new ConfigException("TLS_CLIENT_CA_FILE: the certificates cannot be trusted (" + e.getMessage() + ")");
      }
    });
    keys.updateIdentityCredentials(identity.chain(), identity.key());
    served = identity.chain()[0];
    inUse = files;
    refused = null;
  }

  /** The served certificate's subject, file and expiry, for the log. */
  public String describe() {
    return "serving " + served.getSubjectX500Principal().getName() + " from " + config.certFile() + " until " + notAfter() + (clientCas.isPresent() ? ", client certificates required" : "");
  }

  @Override
  public void close() {
    ScheduledFuture<?> running = watching;
    if (running != null) {
      running.cancel(false);
    }
  }

  /** The bytes of the configured files as read at one moment. */
  private record FileSet(byte[] cert, byte[] key, byte[] clientCa) {

    static FileSet read(TlsConfig config) {
      return new FileSet(
          bytes("TLS_CERT_FILE", config.certFile()),
          bytes("TLS_KEY_FILE", config.keyFile()),
          config.clientCaFile().map(path -> bytes("TLS_CLIENT_CA_FILE", path)).orElse(null));
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
      return other instanceof FileSet that && Arrays.equals(cert, that.cert) && Arrays.equals(key, that.key) && Arrays.equals(clientCa, that.clientCa);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * Arrays.hashCode(cert) + Arrays.hashCode(key)) + Arrays.hashCode(clientCa);
    }
  }
}
