package io.loyaltyengine.core.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The resolver of tests that check addresses only, never DNS. {@link HostLookup} parses a dotted quad and an IPv6
 * address itself, and leaves the other forms {@code Inet4Address} documents ({@code a}, {@code a.b}, {@code a.b.c},
 * decimal) to the resolver, where the system's parses them without a lookup: so does this one, through
 * {@link InetAddress#getAllByName} once it has checked that the text is such a form. Anything else is a name, and
 * fails the test.
 *
 * <p>Thread-safe: stateless.
 */
final class LiteralsOnly {
  private LiteralsOnly() {
  }

  /** A lookup with one thread on this resolver; made when a shorthand form is first resolved. */
  static HostLookup lookup() {
    return new HostLookup(LiteralsOnly::resolve, 1);
  }

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    if (!ipv4Shorthand(host)) {
      throw new AssertionError("a name was looked up");
    }
    return InetAddress.getAllByName(host);
  }

  /**
   * Whether {@code host} is one of {@code Inet4Address}'s forms: one to four decimal parts without leading zeros,
   * each but the last one byte, the last filling the bytes left.
   */
  private static boolean ipv4Shorthand(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4) {
      return false;
    }
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.length() > 10 || part.length() > 1 && part.charAt(0) == '0'
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return false;
      }
      long max = i == parts.length - 1 ? (1L << (8 * (5 - parts.length))) - 1 : 255;
      if (Long.parseLong(part) > max) {
        return false;
      }
    }
    return true;
  }
}
