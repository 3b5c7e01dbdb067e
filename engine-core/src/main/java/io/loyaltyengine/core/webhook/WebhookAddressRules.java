package io.loyaltyengine.core.webhook;

import io.loyaltyengine.webhooks.WebhookAddressPolicy;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * Which addresses a webhook may be sent to under a {@link WebhookAddressPolicy}: the server-side request forgery
 * guard. Classification looks at the address bytes only (no DNS), so it is exact for literals; a host name is looked
 * up first, with a time limit ({@link HostLookup}), by a delivery and by the check of an endpoint the host creates.
 *
 * <p>Non-public, refused by {@link WebhookAddressPolicy#PUBLIC_ONLY}: the special-purpose ranges of IANA's registries
 * that are not globally reachable, and multicast. A range with a few global addresses inside ({@code 192.0.0/24},
 * {@code 2001::/23}) is refused whole: none of them is a webhook receiver.
 * <ul>
 *   <li>IPv4: {@code 0.0.0.0/8} (the wildcard), {@code 10/8}, {@code 100.64/10} (carrier-grade NAT),
 *       {@code 169.254/16} (link-local, where cloud metadata services live), {@code 172.16/12},
 *       {@code 192.0.0/24} (protocol assignments), {@code 192.88.99/24} (6to4 relays, deprecated),
 *       {@code 192.168/16}, {@code 198.18/15} (benchmarking, also used by some VPNs), the documentation ranges
 *       {@code 192.0.2/24}, {@code 198.51.100/24} and {@code 203.0.113/24} (sometimes used inside private networks),
 *       {@code 224/4} (multicast) and {@code 240/4} (reserved, broadcast);</li>
 *   <li>IPv6: the rest of the reserved {@code ::/8} (the wildcard {@code ::}, the deprecated IPv4-compatible
 *       {@code ::a.b.c.d}, the local NAT64 {@code 64:ff9b:1::/48}), {@code 100::/64} (discard),
 *       {@code 2001::/23} (protocol assignments: Teredo {@code 2001::/32}, which relays to an address it hides,
 *       benchmarking, ORCHID, ...), {@code 2001:db8::/32} and {@code 3fff::/20} (documentation), {@code 5f00::/16}
 *       (segment routing), {@code fc00::/7} (unique-local), {@code fe80::/10} (link-local), {@code fec0::/10}
 *       (site-local, deprecated) and {@code ff00::/8} (multicast);</li>
 *   <li>IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped {@code ::ffff:0:0/96} (the
 *       socket connects to the IPv4 address itself, so it is whatever that address is), NAT64 {@code 64:ff9b::/96}
 *       and 6to4 {@code 2002::/16} (a translator or relay elsewhere forwards them: refused if the IPv4 address is
 *       not public, and never loopback, since they leave this host).</li>
 * </ul>
 * Loopback ({@code 127/8}, {@code ::1}, and {@code ::ffff:127.0.0.0/104}) is a class of its own, allowed by
 * {@link WebhookAddressPolicy#ALLOW_LOOPBACK}. {@link WebhookAddressPolicy#ALLOW_ALL} allows everything.
 *
 * <p>Thread-safe: stateless (a lookup's threads are the {@link HostLookup}'s).
 */
final class WebhookAddressRules {
  /** What kind of address, as far as the policy is concerned. */
  enum Kind {
    PUBLIC,
    LOOPBACK,
    NON_PUBLIC
  }

  private WebhookAddressRules() {
  }

  /** Whether {@code policy} allows sending to {@code address}. */
  static boolean permits(WebhookAddressPolicy policy, InetAddress address) {
    return switch (policy) {
      case ALLOW_ALL -> true;
      case ALLOW_LOOPBACK -> classify(address) != Kind.NON_PUBLIC;
      case PUBLIC_ONLY -> classify(address) == Kind.PUBLIC;
    };
  }

  /** Whether {@code policy} allows every one of {@code addresses} (the client may connect to any of them). */
  static boolean permitsAll(WebhookAddressPolicy policy, InetAddress[] addresses) {
    for (InetAddress a : addresses) {
      if (!permits(policy, a)) {
        return false;
      }
    }
    return addresses.length > 0;
  }

  /**
   * Looks {@code host} up on {@code lookup}'s threads, waiting at most {@code timeout}, and checks every address it
   * resolves to. {@link WebhookAddressPolicy#ALLOW_ALL} needs no lookup.
   *
   * @return whether the policy allows the host
   * @throws UnknownHostException if the host does not resolve
   * @throws HostLookup.NoAnswerException if the lookup gave no answer in time (see {@link HostLookup})
   * @throws HostLookup.NoThreadException if no lookup thread took the lookup (see {@link HostLookup})
   */
  static boolean permitsHost(WebhookAddressPolicy policy, String host, HostLookup lookup, Duration timeout)
      throws UnknownHostException, HostLookup.NoAnswerException, HostLookup.NoThreadException {
    if (policy == WebhookAddressPolicy.ALLOW_ALL) {
      return true;
    }
    return permitsAll(policy, lookup.resolve(host, timeout));
  }

  /** Classifies an address by its bytes. */
  static Kind classify(InetAddress address) {
    Objects.requireNonNull(address, "address");
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return classifyIpv4(b, 0);
    }
    return classifyIpv6(b);
  }

  private static Kind classifyIpv4(byte[] bytes, int offset) {
    int a = bytes[offset] & 0xff;
    int b = bytes[offset + 1] & 0xff;
    int c = bytes[offset + 2] & 0xff;
    if (a == 127) {
      return Kind.LOOPBACK;
    }
    boolean nonPublic = a == 0
        || a == 10
        || (a == 100 && (b & 0xc0) == 64)
        || (a == 169 && b == 254)
        || (a == 172 && (b & 0xf0) == 16)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b & 0xfe) == 18)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224;
    return nonPublic ? Kind.NON_PUBLIC : Kind.PUBLIC;
  }

  private static Kind classifyIpv6(byte[] b) {
    if (zeros(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return classifyIpv4(b, 12);
    }
    if (zeros(b, 0, 15) && b[15] == 1) {
      return Kind.LOOPBACK;
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b && zeros(b, 4, 12)) {
      // NAT64 (64:ff9b::/96): the translator forwards to the embedded IPv4 address. Never loopback: the packet
      // leaves this host for the translator, so 64:ff9b::127.0.0.1 is not this host's loopback. The rest of
      // 64:ff9b::/32 (the local NAT64 64:ff9b:1::/48 among it) falls in ::/8 below.
      return classifyIpv4(b, 12) == Kind.PUBLIC ? Kind.PUBLIC : Kind.NON_PUBLIC;
    }
    if (b0 == 0x20 && b1 == 0x02) {
      // 6to4 (2002::/16): tunnels to the IPv4 address in bytes 2..5.
      return classifyIpv4(b, 2) == Kind.PUBLIC ? Kind.PUBLIC : Kind.NON_PUBLIC;
    }
    int b2 = b[2] & 0xff;
    boolean nonPublic = b0 == 0x00
        || (b0 == 0x01 && b1 == 0x00 && zeros(b, 2, 8))
        || (b0 == 0x20 && b1 == 0x01 && (b2 & 0xfe) == 0x00)
        || (b0 == 0x20 && b1 == 0x01 && b2 == 0x0d && (b[3] & 0xff) == 0xb8)
        || (b0 == 0x3f && b1 == 0xff && (b2 & 0xf0) == 0x00)
        || (b0 == 0x5f && b1 == 0x00)
        || (b0 & 0xfe) == 0xfc
        || (b0 == 0xfe && (b1 & 0xc0) == 0x80)
        || (b0 == 0xfe && (b1 & 0xc0) == 0xc0)
        || b0 == 0xff;
    return nonPublic ? Kind.NON_PUBLIC : Kind.PUBLIC;
  }

  /** Whether {@code b[from..to)} are all zero. */
  private static boolean zeros(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
