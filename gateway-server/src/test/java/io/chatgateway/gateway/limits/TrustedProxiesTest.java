package io.chatgateway.gateway.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatgateway.gateway.env.ConfigException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private final TrustedProxies proxies = TrustedProxies.parse("TRUSTED_PROXIES", List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

  @Test
  void networksAndSingleAddresses() throws Exception {
    assertTrue(proxies.trusts(ip("10.200.3.4")));
    assertTrue(proxies.trusts(ip("192.168.1.7")));
    assertFalse(proxies.trusts(ip("192.168.1.8")));
    assertTrue(proxies.trusts(ip("fd12::1")));
    assertFalse(proxies.trusts(ip("fe80::1")));
    assertFalse(proxies.trusts(ip("11.0.0.1")));
    assertTrue(TrustedProxies.parse("TRUSTED_PROXIES", List.of("172.16.0.0/12")).trusts(ip("172.31.255.255")));
    assertFalse(TrustedProxies.parse("TRUSTED_PROXIES", List.of("172.16.0.0/12")).trusts(ip("172.32.0.0")));
  }

  @Test
  void anUntrustedPeerIsItsOwnClientWhateverItClaims() throws Exception {
    assertEquals(ip("198.51.100.9"), proxies.clientOf(ip("198.51.100.9"), List.of("1.2.3.4")));
    assertEquals(ip("10.0.0.5"), TrustedProxies.NONE.clientOf(ip("10.0.0.5"), List.of("1.2.3.4")));
  }

  @Test
  void behindTrustedProxiesTheRightmostUntrustedHopIsTheClient() throws Exception {
    // The client wrote "6.6.6.6" itself; the load balancer appended what it saw, the ingress too.
    assertEquals(ip("203.0.113.5"), proxies.clientOf(ip("10.0.0.2"), List.of("6.6.6.6, 203.0.113.5", "10.0.0.9")));
    assertEquals(ip("203.0.113.5"), proxies.clientOf(ip("10.0.0.2"), List.of("203.0.113.5:51234")));
    assertEquals(ip("2001:db8::7"), proxies.clientOf(ip("10.0.0.2"), List.of("[2001:db8::7]:443")));
    assertEquals(ip("10.0.0.3"), proxies.clientOf(ip("10.0.0.2"), List.of("10.0.0.3")), "all trusted: the farthest one");
    assertEquals(ip("10.0.0.2"), proxies.clientOf(ip("10.0.0.2"), List.of()), "no header: the proxy itself");
    assertEquals(ip("203.0.113.5"), proxies.clientOf(ip("10.0.0.2"), List.of("unknown, 203.0.113.5")));
    assertEquals(ip("10.0.0.2"), proxies.clientOf(ip("10.0.0.2"), List.of("evil.example.com")), "names are never resolved");
  }

  @Test
  void badEntriesNameTheVariable() {
    for (String bad : List.of("10.0.0.0/33", "example.com", "10.0.0.0/x", "::/129", "1.2.3.4/8/8")) {
      ConfigException e = assertThrows(ConfigException.class, () -> TrustedProxies.parse("TRUSTED_PROXIES", List.of(bad)));
      assertTrue(e.getMessage().startsWith("TRUSTED_PROXIES: ") && e.getMessage().contains(bad), e.getMessage());
    }
  }
}
