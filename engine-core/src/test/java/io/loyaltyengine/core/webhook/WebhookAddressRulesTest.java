package io.loyaltyengine.core.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.webhook.WebhookAddressRules.Kind;
import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Classification of address literals (InetAddress.getByName on a literal does no DNS lookup). */
class WebhookAddressRulesTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "0.0.0.0", "0.1.2.3",                          // wildcard, "this network"
      "10.0.0.1", "10.255.255.255",                  // 10/8
      "100.64.0.1", "100.127.255.255",               // CGNAT 100.64/10
      "169.254.0.1", "169.254.169.254",              // link-local, cloud metadata
      "172.16.0.1", "172.31.255.255",                // 172.16/12
      "192.0.0.1",                                   // protocol assignments
      "192.168.0.1", "192.168.255.255",              // 192.168/16
      "198.18.0.1", "198.19.255.255",                // benchmarking
      "192.0.2.1", "198.51.100.255", "203.0.113.0",  // documentation
      "192.88.99.1",                                 // 6to4 relays (deprecated)
      "224.0.0.1", "239.255.255.250",                // multicast
      "240.0.0.1", "255.255.255.255",                // reserved, broadcast
      "::",                                          // IPv6 wildcard
      "::a00:1", "::127.0.0.1",                      // deprecated IPv4-compatible
      "100::1",                                      // discard
      "2001::1", "2001:0:4136:e378::1",              // Teredo (2001::/32)
      "2001:2::1", "2001:1ff:ffff::1",               // the rest of 2001::/23 (benchmarking, ...)
      "2001:db8::1", "3fff:fff::1",                  // documentation
      "5f00::1",                                     // segment routing
      "fc00::1", "fd12:3456:789a::1",                // unique-local fc00::/7
      "fe80::1", "febf:ffff::1",                     // link-local fe80::/10
      "fec0::1",                                     // site-local (deprecated)
      "ff02::1", "ff0e::1",                          // multicast
      "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe",        // NAT64 to 10.0.0.1, 169.254.169.254
      "64:ff9b::7f00:1", "64:ff9b::127.0.0.1",       // NAT64 to 127.0.0.1: the translator's loopback, not ours
      "64:ff9b:1::1",                                // local-use NAT64
      "2002:a00:1::1", "2002:7f00:1::1"})            // 6to4 over 10.0.0.1, 127.0.0.1
  void nonPublicAddressesAreRefusedUnlessAllIsAllowed(String literal) throws UnknownHostException {
    InetAddress address = InetAddress.getByName(literal);
    assertEquals(Kind.NON_PUBLIC, WebhookAddressRules.classify(address), literal);
    assertFalse(WebhookAddressRules.permits(WebhookAddressPolicy.PUBLIC_ONLY, address));
    assertFalse(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_LOOPBACK, address));
    assertTrue(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_ALL, address));
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1"})
  void loopbackIsAllowedOnlyByAllowLoopbackAndAllowAll(String literal) throws UnknownHostException {
    InetAddress address = InetAddress.getByName(literal);
    assertEquals(Kind.LOOPBACK, WebhookAddressRules.classify(address), literal);
    assertFalse(WebhookAddressRules.permits(WebhookAddressPolicy.PUBLIC_ONLY, address));
    assertTrue(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_LOOPBACK, address));
    assertTrue(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_ALL, address));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "9.255.255.255", "11.0.0.0", "100.63.255.255",
      "100.128.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.0.3.0",
      "192.88.98.255", "198.51.99.255", "203.0.114.0", "2001:200::1", "2001:db9::1", "3fff:1000::1", "5f01::1",
      "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255", "126.255.255.255",
      "128.0.0.0", "2001:4860:4860::8888", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"})
  void publicAddressesAreAllowedByEveryPolicy(String literal) throws UnknownHostException {
    InetAddress address = InetAddress.getByName(literal);
    assertEquals(Kind.PUBLIC, WebhookAddressRules.classify(address), literal);
    for (WebhookAddressPolicy policy : WebhookAddressPolicy.values()) {
      assertTrue(WebhookAddressRules.permits(policy, address), policy + " " + literal);
    }
  }

  @Test
  void ipv4MappedIpv6IsJudgedByItsIpv4Address() throws UnknownHostException {
    // Built with Inet6Address.getByAddress: InetAddress.getByName("::ffff:...") would hand back an Inet4Address,
    // and the point here is the IPv6 form a resolver can return.
    assertEquals(Kind.LOOPBACK, WebhookAddressRules.classify(mapped(127, 0, 0, 1)));
    for (int[] v4 : new int[][] {{10, 0, 0, 1}, {172, 16, 0, 1}, {192, 168, 1, 1}, {169, 254, 169, 254},
        {100, 64, 0, 1}, {0, 0, 0, 0}, {224, 0, 0, 1}}) {
      InetAddress address = mapped(v4[0], v4[1], v4[2], v4[3]);
      assertEquals(Kind.NON_PUBLIC, WebhookAddressRules.classify(address), address.toString());
      assertFalse(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_LOOPBACK, address));
    }
    assertEquals(Kind.PUBLIC, WebhookAddressRules.classify(mapped(8, 8, 8, 8)));
    assertFalse(WebhookAddressRules.permits(WebhookAddressPolicy.PUBLIC_ONLY, mapped(127, 0, 0, 1)));
    assertTrue(WebhookAddressRules.permits(WebhookAddressPolicy.ALLOW_LOOPBACK, mapped(127, 0, 0, 1)));
  }

  @Test
  void everyResolvedAddressMustBeAllowed() throws UnknownHostException {
    InetAddress[] mixed = {InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.1")};
    assertFalse(WebhookAddressRules.permitsAll(WebhookAddressPolicy.PUBLIC_ONLY, mixed));
    assertTrue(WebhookAddressRules.permitsAll(WebhookAddressPolicy.ALLOW_ALL, mixed));
    assertFalse(WebhookAddressRules.permitsAll(WebhookAddressPolicy.ALLOW_LOOPBACK, new InetAddress[0]));
  }

  @Test
  void bracketedIpv6LiteralsOfUrlsAreUnderstood() throws Exception {
    // No name is looked up: the literals are parsed, and ALLOW_ALL looks nothing up.
    try (HostLookup literalsOnly = LiteralsOnly.lookup()) {
      Duration bound = Duration.ofSeconds(5);
      assertTrue(WebhookAddressRules.permitsHost(WebhookAddressPolicy.ALLOW_LOOPBACK, "[::1]", literalsOnly, bound));
      assertFalse(WebhookAddressRules.permitsHost(WebhookAddressPolicy.PUBLIC_ONLY, "[::1]", literalsOnly, bound));
      assertFalse(WebhookAddressRules.permitsHost(WebhookAddressPolicy.PUBLIC_ONLY, "[::ffff:10.0.0.1]",
          literalsOnly, bound));
      assertTrue(WebhookAddressRules.permitsHost(WebhookAddressPolicy.ALLOW_ALL, "never-resolved.invalid",
          literalsOnly, bound));
    }
  }

  private static InetAddress mapped(int a, int b, int c, int d) throws UnknownHostException {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    bytes[12] = (byte) a;
    bytes[13] = (byte) b;
    bytes[14] = (byte) c;
    bytes[15] = (byte) d;
    return assertInstanceOf(Inet6Address.class, Inet6Address.getByAddress(null, bytes, -1));
  }
}
