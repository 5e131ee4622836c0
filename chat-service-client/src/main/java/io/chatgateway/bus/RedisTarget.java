package io.chatgateway.bus;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Redis is, parsed from {@code CACHE_URI}: {@code redis://[:password@]host:port[/db]}, the same
 * with {@code rediss://} for TLS, or {@code redis-cluster://[:password@]h1:p1,h2:p2,...} for Redis
 * Cluster (seed nodes; the rest is discovered). Immutable.
 */
public record RedisTarget(boolean cluster, List<RedisURI> nodes, String display) {

  public RedisTarget {
    nodes = List.copyOf(nodes);
    requireNonNull(display, "display");
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no Redis node");
    }
  }

  /**
   * Parses a CACHE_URI value.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static RedisTarget parse(String value) {
    String trimmed = value.trim();
    if (trimmed.startsWith("redis-cluster://") || trimmed.startsWith("rediss-cluster://")) {
      boolean tls = trimmed.startsWith("rediss-");
      String rest = trimmed.substring(trimmed.indexOf("://") + 3);
      String password = null;
      int at = rest.lastIndexOf('@');
      if (at >= 0) {
        String userInfo = rest.substring(0, at);
        password = userInfo.startsWith(":") ? userInfo.substring(1) : userInfo;
        rest = rest.substring(at + 1);
      }
      List<RedisURI> nodes = new ArrayList<>();
      for (String hostPort : rest.split(",")) {
        String node = hostPort.trim();
        if (node.endsWith("/")) {
          node = node.substring(0, node.length() - 1);
        }
        int colon = node.lastIndexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException("cluster nodes must be host:port, got '" + node + "'");
        }
        RedisURI.Builder builder = RedisURI.builder().withHost(node.substring(0, colon)).withPort(port(node.substring(colon + 1))).withSsl(tls);
        if (password != null && !password.isEmpty()) {
          builder.withPassword(password.toCharArray());
        }
        nodes.add(builder.build());
      }
      return new RedisTarget(true, nodes, redact(trimmed));
    }
    if (!trimmed.startsWith("redis://") && !trimmed.startsWith("rediss://")) {
      throw new IllegalArgumentException("expected redis://, rediss:// or redis-cluster://");
    }
    URI uri = URI.create(trimmed);
    if (uri.getHost() == null || uri.getPort() <= 0) {
      throw new IllegalArgumentException("expected a host and a port");
    }
    return new RedisTarget(false, List.of(RedisURI.create(trimmed)), redact(trimmed));
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + text);
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port is not a number: " + text);
    }
  }

  /** The URI without its password, for logs. */
  private static String redact(String uri) {
    return uri.replaceAll("://[^@/]*@", "://***@");
  }
}
