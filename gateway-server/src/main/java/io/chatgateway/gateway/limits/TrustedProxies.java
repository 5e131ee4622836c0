package io.chatgateway.gateway.limits;

import io.chatgateway.gateway.env.ConfigException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which client a connection is for. A connection from an address outside {@code TRUSTED_PROXIES} is
 * its own client, whatever headers it sends. From a trusted proxy (a load balancer, an ingress), the
 * client is the rightmost address of {@code X-Forwarded-For} that is not itself a trusted proxy:
 * each proxy appends the address it saw, so only the part written by trusted hops is believed, and
 * a client cannot choose its address by sending the header itself.
 *
 * <p>Immutable and thread-safe. Never resolves a name: entries that are not IP literals end the walk.
 */
public final class TrustedProxies {

  /** Nobody is a trusted proxy: every connection is its own client. */
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  /** What an IP literal (v4, v6, v4-mapped v6) can contain; anything else would be a name to resolve. */
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]+");

  private final List<Network> networks;

  private TrustedProxies(List<Network> networks) {
    this.networks = List.copyOf(networks);
  }

  /** Parses {@code TRUSTED_PROXIES}-style entries: addresses ({@code 10.0.0.7}) and networks ({@code 10.0.0.0/8}, {@code fd00::/8}). */
  public static TrustedProxies parse(String variable, List<String> entries) {
    List<Network> networks = new ArrayList<>();
    for (String entry : entries) {
      String[] parts = entry.split("/", -1);
      InetAddress address = parts.length <= 2 ? literal(parts[0]) : null;
      int bits = address == null ? -1 : address.getAddress().length * 8;
      int prefix = bits;
      if (address != null && parts.length == 2) {
        try {
          prefix = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          prefix = -1;
        }
      }
      if (address == null || prefix < 0 || prefix > bits) {
        throw new ConfigException(variable + ": expected IP addresses or networks like 10.0.0.0/8 or fd00::/8, got '" + entry + "'");
      }
      networks.add(new Network(address.getAddress(), prefix));
    }
    return new TrustedProxies(networks);
  }

  /** Whether connections from {@code address} may tell us whom they forward. */
  public boolean trusts(InetAddress address) {
    byte[] bytes = address.getAddress();
    for (Network network : networks) {
      if (network.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client a connection from {@code peer} is for.
   *
   * @param forwardedFor the values of every {@code X-Forwarded-For} header, in the order received
   */
  public InetAddress clientOf(InetAddress peer, Iterable<String> forwardedFor) {
    if (networks.isEmpty() || !trusts(peer) || forwardedFor == null) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",")) {
        hops.add(hop.strip());
      }
    }
    InetAddress client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(withoutPort(hops.get(i)));
      if (hop == null) {
        return client; // garbage from before our proxies: the last hop they vouched for is the client
      }
      client = hop;
      if (!trusts(hop)) {
        return hop;
      }
    }
    return client;
  }

  /** {@code 1.2.3.4:5678} and {@code [::1]:80} as some proxies write them, without the port. */
  private static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end < 0 ? hop : hop.substring(1, end);
    }
    int colon = hop.indexOf(':');
    return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  /** {@code text} as an IP address, or null; never a DNS lookup. */
  private static InetAddress literal(String text) {
    if (text.isEmpty() || !IP_LITERAL.matcher(text).matches()) {
      return null;
    }
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return networks.toString();
  }

  private record Network(byte[] address, int prefix) {
    boolean contains(byte[] other) {
      if (other.length != address.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (other[i] != address[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (other[full] & mask) == (address[full] & mask);
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(address).getHostAddress() + "/" + prefix;
      } catch (UnknownHostException e) {
        return "?/" + prefix;
      }
    }
  }
}
