package io.loyaltyengine.core.brand;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.net.IDN;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a website given as a URL or a host name into the domain a brand is known by: the host name only,
 * lower-cased, without a trailing dot, internationalized names in their ASCII (punycode) form.
 * {@code https://Shop.Example.com:8443/path?q} becomes {@code shop.example.com}; a backslash ends the host as a slash
 * does, and after http, https, ws, wss or ftp any run of slashes and backslashes leads to the host
 * ({@code https:///shop.example.com} is {@code shop.example.com}), as browsers read them. A name needs at least two
 * labels and a top-level domain that is not all digits, so {@code localhost} and IP addresses (in hexadecimal too)
 * are refused; a port, when given, is 0..65535. A label given in punycode ({@code xn--}, any case) must be the
 * form of a valid label, as browsers and registries require ({@code xn--zz} is refused), and is kept as it is.
 *
 * <p>{@link IDN} implements IDNA2003, which maps ß to ss and final sigma to sigma and drops the zero-width joiners,
 * where IDNA2008 and UTS #46 (nontransitional), as registries and browsers apply them today, keep and encode them:
 * {@code straße.de} is {@code xn--strae-oqa.de} there, another domain than {@code strasse.de}. A name with one of
 * these four characters is therefore refused rather than stored as the other domain; its punycode form is taken.
 *
 * <p>Thread-safe: stateless. Pure string work: no name resolution.
 */
public final class DomainNames {
  private static final int MAX_INPUT = 2_048;
  private static final int MAX_PORT = 65_535;
  /** The characters IDNA reads as a label separator: full stop, ideographic, full-width and half-width ones. */
  private static final String IDNA_DOTS = ".\u3002\uFF0E\uFF61";
  /**
   * The characters IDNA2003 (java.net.IDN) maps and IDNA2008 keeps (UTS #46's deviations): sharp s, final sigma,
   * zero-width non-joiner and joiner.
   */
  private static final String IDNA_DEVIATIONS = "\u00DF\u03C2\u200C\u200D";
  /**
   * Whether a domain holds one of the characters IDNA2003 ({@link IDN}) maps and IDNA2008 keeps (sharp s, final
   * sigma, the zero-width joiners): {@link IDN#toASCII} would turn it into another name.
   */
  public static boolean hasIdnaDeviation(String domain) {
    return domain.chars().anyMatch(c -> IDNA_DEVIATIONS.indexOf(c) >= 0);
  }

  /** The prefix of a label in punycode (ASCII Compatible Encoding), as {@link IDN#toASCII} writes it. */
  private static final String ACE_PREFIX = "xn--";
  /**
   * A scheme browsers give a host (WHATWG's special schemes, but file, whose host may be empty), with the slashes and
   * backslashes after it.
   */
  private static final Pattern SPECIAL_SCHEME = Pattern.compile("(?i)(?:https?|wss?|ftp):[/\\\\]*");
  /** A label a browser reads as a hexadecimal IPv4 number. */
  private static final Pattern HEX_NUMBER = Pattern.compile("0x[0-9a-f]*");

  private DomainNames() {
  }

  /**
   * Normalizes a website to its domain.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field} when no valid host name can be read from it
   */
  public static String normalize(String field, String website) {
    String s = TextRules.required(field, website, MAX_INPUT);
    Matcher special = SPECIAL_SCHEME.matcher(s);
    int scheme = -1;
    if (special.lookingAt()) {
      // As browsers (WHATWG's URL parser) read a special scheme: any run of slashes and backslashes, none included,
      // leads to the host, so https:///shop.example.com is https://shop.example.com/.
      s = s.substring(special.end());
    } else {
      scheme = s.indexOf("://");
    }
    // A "://" after a slash, backslash, ? or # is in the path, query or fragment of a website given without a
    // scheme (shop.example.com/login?return=https://...), not the end of a scheme.
    if (scheme >= 0 && firstHostEnd(s) < scheme) {
      scheme = -1;
    }
    if (scheme >= 0) {
      String name = s.substring(0, scheme);
      if (!name.matches("[A-Za-z][A-Za-z0-9+.-]*")) {
        throw invalid(field);
      }
      s = s.substring(scheme + 3);
    }
    s = s.substring(0, Math.min(firstHostEnd(s), s.length()));
    int at = s.lastIndexOf('@');
    if (at >= 0) {
      s = s.substring(at + 1);
    }
    int colon = s.lastIndexOf(':');
    if (colon >= 0) {
      String port = s.substring(colon + 1);
      // An empty port is the scheme's default; a number is a TCP port, 0..65535.
      // Leading zeros are read away, as browsers do (:00080 is 80); what is left has at most five digits.
      String digits = port.replaceFirst("^0+(?=[0-9])", "");
      if (!digits.matches("[0-9]{0,5}") || !digits.isEmpty() && Integer.parseInt(digits) > MAX_PORT) {
        throw invalid(field);
      }
      s = s.substring(0, colon);
    }
    // A trailing dot (the DNS root) in any of the forms IDNA reads as a dot, not only the ASCII one.
    if (!s.isEmpty() && IDNA_DOTS.indexOf(s.charAt(s.length() - 1)) >= 0) {
      s = s.substring(0, s.length() - 1);
    }
    if (hasIdnaDeviation(s)) {
      throw LoyaltyException.validation(field, field + " holds a character (sharp s, final sigma or a zero-width"
          + " joiner) that browsers and registries read otherwise than IDNA2003 does; give the domain in its"
          + " punycode (xn--) form");
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
    String[] labels = ascii.split("\\.", -1);
    for (String label : labels) {
      if (label.isEmpty() || label.length() > 63 || label.startsWith(ACE_PREFIX) && !isALabel(label)) {
        throw invalid(field);
      }
    }
    // No top-level domain is all digits (RFC 3696, 2): this refuses IPv4 addresses, as IPv6 literals and localhost.
    // Nor is it a hexadecimal number (0x and hex digits, lower-cased above): browsers (WHATWG's URL parser) read a
    // host so ending as an IPv4 address, 0x7f.0x0.0x0.0x1 as 127.0.0.1, or as no host at all.
    String tld = labels[labels.length - 1];
    if (tld.chars().allMatch(c -> c >= '0' && c <= '9') || HEX_NUMBER.matcher(tld).matches()) {
      throw invalid(field);
    }
    return ascii;
  }

  /**
   * Whether a lower-case label with the ACE prefix is the punycode of a valid internationalized label, as browsers
   * (UTS #46) and registries require: it decodes, to a label with a character outside ASCII, whose encoding it is, and
   * which IDNA's mapping leaves as it is (no upper-case letter, full-width form or other character IDNA maps, nor one
   * it prohibits) but for the four characters IDNA2008 keeps where IDNA2003 maps them. {@link IDN#toUnicode} cannot
   * say it: it gives back its input both when that does not decode and when the label holds one of those four.
   * Characters unassigned in IDNA2003's Unicode 3.2 are let through (newer scripts and symbols: the label is valid
   * punycode, and which of them IDNA2008 allows is beyond IDNA2003).
   */
  private static boolean isALabel(String label) {
    String encoded = label.substring(ACE_PREFIX.length());
    int[] decoded = Punycode.decode(encoded);
    if (decoded == null || Arrays.stream(decoded).allMatch(c -> c < 0x80)
        || !encoded.equals(Punycode.encode(decoded))) {
      return false;
    }
    // The deviations as stand-ins IDNA2003 keeps (of the same kind: a Latin or Greek small letter; the joiners, which
    // it drops, dropped), so that the mapping is checked on the rest of the label.
    int[] kept = Arrays.stream(decoded).filter(c -> c != '\u200C' && c != '\u200D')
        .map(c -> c == '\u00DF' ? '\u0138' : c == '\u03C2' ? '\u03C3' : c).toArray();
    String unicode = new String(kept, 0, kept.length);
    String expected = Arrays.stream(kept).allMatch(c -> c < 0x80) ? unicode : ACE_PREFIX + Punycode.encode(kept);
    try {
      return IDN.toASCII(unicode, IDN.USE_STD3_ASCII_RULES | IDN.ALLOW_UNASSIGNED).equals(expected);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Where the host part ends: at the first slash, backslash, ? or # ({@link Integer#MAX_VALUE} if none). A backslash
   * ends it too: browsers read it as a slash in http(s) URLs, so in https://shop.example.com\@other.example/ the
   * host is shop.example.com and "@other.example/" is path.
   */
  private static int firstHostEnd(String s) {
    int end = Integer.MAX_VALUE;
    for (char c : new char[] {'/', '\\', '?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    return end;
  }

  private static LoyaltyException invalid(String field) {
    return LoyaltyException.validation(field, field + " must be a URL or a domain name such as shop.example.com");
  }
}
