package io.loyaltyengine.core.brand;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.net.IDN;
import java.util.Locale;

/**
 * Turns a website given as a URL or a host name into the domain a brand is known by: the host name only,
 * lower-cased, without a trailing dot, internationalized names in their ASCII (punycode) form.
 * {@code https://Shop.Example.com:8443/path?q} becomes {@code shop.example.com}.
 *
 * <p>Thread-safe: stateless. Pure string work: no name resolution.
 */
public final class DomainNames {
  private static final int MAX_INPUT = 2_048;

  private DomainNames() {
  }

  /**
   * Normalizes a website to its domain.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field} when no valid host name can be read from it
   */
  public static String normalize(String field, String website) {
    String s = TextRules.required(field, website, MAX_INPUT);
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      String name = s.substring(0, scheme);
      if (!name.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
        throw invalid(field);
      }
      s = s.substring(scheme + 3);
    }
    int end = s.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    s = s.substring(0, end);
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      s = s.substring(at + 1);
    }
    int colon = s.lastIndexOf(':');
    if (colon >= 0) {
      String port = s.substring(colon + 1);
      if (!port.matches("[0-9]{0,5}")) {
        throw invalid(field);
      }
      s = s.substring(0, colon);
    }
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    String ascii;
    try {
      ascii = IDN.toASCII(s, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw invalid(field);
    }
    if (ascii.isEmpty() || ascii.length() > 253 || ascii.indexOf('.') < 0) {
      throw invalid(field);
    }
    for (String label : ascii.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63) {
        throw invalid(field);
      }
    }
    return ascii;
  }

  private static LoyaltyException invalid(String field) {
    return LoyaltyException.validation(field, field + " must be a URL or a domain name such as shop.example.com");
  }
}
