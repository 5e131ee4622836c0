package io.chatgateway.gateway.limits;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The door every new device stream passes, on every transport: who the client is ({@link
 * TrustedProxies}) and whether its address may open one more ({@link AddressLimits}). Thread-safe.
 */
public final class StreamAdmission {

  private final AddressLimits limits;
  private final TrustedProxies proxies;

  public StreamAdmission(AddressLimits limits, TrustedProxies proxies) {
    this.limits = requireNonNull(limits, "limits");
    this.proxies = requireNonNull(proxies, "proxies");
  }

  /**
   * Resolves the client of a connection from {@code peer} and admits a stream of it, or refuses it.
   * An admitted ticket must be {@linkplain Ticket#release released} when the stream ends, whatever
   * ends it; releasing twice is harmless.
   *
   * @param forwardedFor the connection's {@code X-Forwarded-For} values, or null
   */
  public Ticket admit(InetAddress peer, Iterable<String> forwardedFor) {
    InetAddress client = proxies.clientOf(peer, forwardedFor);
    return new Ticket(client, limits.tryOpen(client));
  }

  /** One stream's admission: its client, and why it was refused, if it was. */
  public final class Ticket {
    // A field updater rather than an AtomicBoolean: one object less in every admitted stream.
    private static final AtomicIntegerFieldUpdater<Ticket> RELEASED = AtomicIntegerFieldUpdater.newUpdater(Ticket.class, "released");

    private final InetAddress client;
    private final AddressLimits.Refusal refusal;
    private volatile int released; // 1 once released; see RELEASED

    private Ticket(InetAddress client, AddressLimits.Refusal refusal) {
      this.client = client;
      this.refusal = refusal;
      this.released = refusal != null ? 1 : 0; // a refused ticket holds nothing
    }

    public boolean admitted() {
      return refusal == null;
    }

    public InetAddress client() {
      return client;
    }

    /** What the refused client is told (naming the bound's variable); null when admitted. */
    public String refusal() {
      return refusal == null ? null : limits.describe(refusal, client);
    }

    /** The stream has ended; gives its place back once. */
    public void release() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        limits.closed(client);
      }
    }
  }
}
