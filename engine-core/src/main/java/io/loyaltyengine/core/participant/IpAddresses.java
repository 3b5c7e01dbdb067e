package io.loyaltyengine.core.participant;

import io.loyaltyengine.LoyaltyException;

/**
 * Validates IPv4 and IPv6 literals without any name lookup ({@code InetAddress.getByName} would resolve names,
 * which is I/O). IPv4 in canonical dotted-quad form (no leading zeros); IPv6 in RFC 4291 text form, with at most
 * one {@code ::} and an optional trailing IPv4 part; zone ids are rejected.
 *
 * <p>Thread-safe: stateless.
 */
public final class IpAddresses {
  private static final int MAX_LENGTH = 45;

  private IpAddresses() {
  }

  /**
   * Validates an IP literal.
   *
   * @return the stripped literal
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static String validate(String field, String value) {
    String ip = value.strip();
    if (ip.isEmpty() || ip.length() > MAX_LENGTH || !(isIpv4(ip) || isIpv6(ip))) {
      throw LoyaltyException.validation(field, field + " is not an IPv4 or IPv6 address");
    }
    return ip;
  }

  /** Whether {@code s} is a canonical dotted-quad IPv4 literal. */
  public static boolean isIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return false;
      }
      int v = 0;
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        if (c < '0' || c > '9') {
          return false;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is an IPv6 literal. */
  public static boolean isIpv6(String s) {
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    int groups;
    if (doubleColon >= 0) {
      String head = s.substring(0, doubleColon);
      String tail = s.substring(doubleColon + 2);
      int h = head.isEmpty() ? 0 : countGroups(head, false);
      int t = tail.isEmpty() ? 0 : countGroups(tail, true);
      if (h < 0 || t < 0) {
        return false;
      }
      groups = h + t;
      return groups <= 7;
    }
    groups = countGroups(s, true);
    return groups == 8;
  }

  /** Counts 16-bit groups (an IPv4 tail counts two), or -1 if malformed. */
  private static int countGroups(String s, boolean mayEndWithIpv4) {
    String[] parts = s.split(":", -1);
    int groups = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && mayEndWithIpv4 && p.indexOf('.') >= 0) {
        if (!isIpv4(p)) {
          return -1;
        }
        groups += 2;
        continue;
      }
      if (p.isEmpty() || p.length() > 4) {
        return -1;
      }
      for (int j = 0; j < p.length(); j++) {
        if (Character.digit(p.charAt(j), 16) < 0 || p.charAt(j) > 'f') {
          return -1;
        }
      }
      groups++;
    }
    return groups;
  }
}
