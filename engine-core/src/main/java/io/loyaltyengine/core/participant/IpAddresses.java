package io.loyaltyengine.core.participant;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.util.Locale;

/**
 * Validates IPv4 and IPv6 literals without any name lookup ({@code InetAddress.getByName} would resolve names,
 * which is I/O). IPv4 in canonical dotted-quad form (no leading zeros); IPv6 in RFC 4291 text form, with at most
 * one {@code ::} and an optional trailing IPv4 part; zone ids are rejected. {@link #canonical} writes one address
 * in one form, so that rules comparing addresses (self-referral, velocity) see one address however it was written.
 * Both strip the spaces around a literal, no-break ones ({@code U+00A0}, {@code U+2007}, {@code U+202F}) included
 * ({@link TextRules#stripSpaces}), as around an email: an address pasted from a web page is the address it shows.
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
   * @return the literal stripped of the spaces around it, no-break ones included
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static String validate(String field, String value) {
    String ip = TextRules.stripSpaces(value);
    if (ip.isEmpty() || ip.length() > MAX_LENGTH || !(isIpv4(ip) || isIpv6(ip))) {
      throw LoyaltyException.validation(field, field + " is not an IPv4 or IPv6 address");
    }
    return ip;
  }

  /**
   * The canonical text form of an IP address, so one address written two ways compares equal: IPv6 as eight
   * lower-case groups without leading zeros, an IPv4-mapped IPv6 address as its IPv4 dotted quad, anything else
   * stripped (as {@link #validate} strips) and lower-cased as given. Pure text work: no name lookup. Null stays null.
   */
  public static String canonical(String ip) {
    if (ip == null) {
      return null;
    }
    String s = TextRules.stripSpaces(ip).toLowerCase(Locale.ROOT);
    if (s.indexOf(':') < 0) {
      return s;
    }
    int[] groups = ipv6(s);
    if (groups == null) {
      return s;
    }
    if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
        && groups[5] == 0xFFFF) {
      return (groups[6] >> 8) + "." + (groups[6] & 0xFF) + "." + (groups[7] >> 8) + "." + (groups[7] & 0xFF);
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i > 0) {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  /** Whether {@code s} is a canonical dotted-quad IPv4 literal. */
  public static boolean isIpv4(String s) {
    return ipv4(s) >= 0;
  }

  /** Whether {@code s} is an IPv6 literal. */
  public static boolean isIpv6(String s) {
    return ipv6(s) != null;
  }

  /**
   * The eight 16-bit groups of an IPv6 literal (hex digits in either case, at most one {@code ::}, a dotted quad
   * only as its last two groups), or null: one parser for validation and for the canonical form.
   */
  private static int[] ipv6(String s) {
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    int[] head = groups(gap < 0 ? s : s.substring(0, gap), gap < 0);
    int[] tail = gap < 0 ? new int[0] : groups(s.substring(gap + 2), true);
    if (head == null || tail == null) {
      return null;
    }
    int present = head.length + tail.length;
    if (gap < 0 ? present != 8 : present > 7) {
      return null;
    }
    int[] all = new int[8];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(tail, 0, all, 8 - tail.length, tail.length);
    return all;
  }

  /** The groups of a colon-separated run (its last piece may be a dotted quad, two groups, if allowed), or null. */
  private static int[] groups(String run, boolean mayEndWithQuad) {
    if (run.isEmpty()) {
      return new int[0];
    }
    String[] pieces = run.split(":", -1);
    int last = pieces.length - 1;
    boolean quad = mayEndWithQuad && pieces[last].indexOf('.') >= 0;
    int[] out = new int[pieces.length + (quad ? 1 : 0)];
    for (int i = 0; i < pieces.length; i++) {
      String p = pieces[i];
      if (i == last && quad) {
        long v4 = ipv4(p);
        if (v4 < 0) {
          return null;
        }
        out[i] = (int) (v4 >>> 16);
        out[i + 1] = (int) (v4 & 0xFFFF);
      } else {
        if (p.isEmpty() || p.length() > 4) {
          return null;
        }
        int v = 0;
        for (int j = 0; j < p.length(); j++) {
          char c = p.charAt(j);
          // ASCII hex only: Character.digit also takes full-width digits and letters.
          int d = c > 'f' ? -1 : Character.digit(c, 16);
          if (d < 0) {
            return null;
          }
          v = v << 4 | d;
        }
        out[i] = v;
      }
    }
    return out;
  }

  /** A canonical dotted quad (no leading zeros) as an unsigned 32-bit value, or -1. */
  private static long ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return -1;
    }
    long value = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return -1;
      }
      int octet = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return -1;
        }
        octet = octet * 10 + (c - '0');
      }
      if (octet > 255) {
        return -1;
      }
      value = value << 8 | octet;
    }
    return value;
  }
}
