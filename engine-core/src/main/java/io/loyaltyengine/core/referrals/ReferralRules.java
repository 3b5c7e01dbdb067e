package io.loyaltyengine.core.referrals;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.brand.Brand;
import io.loyaltyengine.campaign.Campaign;
import io.loyaltyengine.core.validation.TextRules;
import io.loyaltyengine.referrals.LandingPage;
import io.loyaltyengine.referrals.ReferralSettings;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The pure input rules of referrals: codes before decoding, host identifiers (visitor, customer and order ids),
 * order values, chain depths and campaign settings. Every rejection is a VALIDATION_ERROR naming the field, and no
 * message repeats the rejected value.
 *
 * <p>Thread-safe: stateless.
 */
public final class ReferralRules {
  /** Longest host identifier (visitor id, customer id, order id). */
  public static final int MAX_IDENTIFIER_LENGTH = 128;
  /** Deepest chain {@code ancestors} walks. */
  public static final int MAX_DEPTH = 50;
  /** Largest order value. */
  public static final BigDecimal MAX_ORDER_VALUE = BigDecimal.TEN.pow(12);
  /** Most decimals of an order value. */
  public static final int MAX_ORDER_VALUE_SCALE = 4;
  /** Smallest velocity limit. */
  public static final int MIN_VELOCITY_LIMIT = 1;
  /** Largest velocity limit. */
  public static final int MAX_VELOCITY_LIMIT = 10_000;
  /** Shortest velocity window. */
  public static final Duration MIN_VELOCITY_WINDOW = Duration.ofMinutes(1);
  /** Longest velocity window. */
  public static final Duration MAX_VELOCITY_WINDOW = Duration.ofDays(7);
  /** How many signup gates a campaign's signups are spread over (see {@link #signupGates}). */
  public static final int SIGNUP_GATES = 4096;

  private ReferralRules() {
  }

  /**
   * Checks a referral code before it is decoded: present, not blank, at most {@link LegacyCodes#MAX_LENGTH}
   * characters, so that no decoder ever sees an oversized input.
   *
   * @return the code without the whitespace and space separators at its ends, no-break spaces included
   * @throws LoyaltyException VALIDATION_ERROR on {@code code}
   */
  public static String code(String code) {
    if (code == null || code.length() > LegacyCodes.MAX_LENGTH || TextRules.isBlank(code)) {
      throw invalidCode();
    }
    // A code is an identity: one pasted from a page with a no-break space at an end (which String.strip keeps) is
    // still the same code, as a coupon code is.
    return TextRules.stripSpaces(code);
  }

  /**
   * The one refusal of a code, whatever the reason (malformed, forged, another campaign's, an unknown participant,
   * a legacy code where signed ones are required), so that a caller cannot probe which.
   */
  public static LoyaltyException invalidCode() {
    return LoyaltyException.validation("code", "code is not a valid referral code of the campaign");
  }

  /**
   * An optional host identifier: null, or 1..{@value #MAX_IDENTIFIER_LENGTH} printable ASCII characters without
   * spaces.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static String identifier(String field, String value) {
    if (value != null && (value.isEmpty() || value.length() > MAX_IDENTIFIER_LENGTH || !isPrintableAscii(value))) {
      throw LoyaltyException.validation(field,
          field + " must be 1 to " + MAX_IDENTIFIER_LENGTH + " printable ASCII characters without spaces");
    }
    return value;
  }

  /**
   * A required host identifier, as {@link #identifier}.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static String requiredIdentifier(String field, String value) {
    if (value == null) {
      throw LoyaltyException.validation(field, field + " is required");
    }
    return identifier(field, value);
  }

  /**
   * An order value: 0..10^12 with at most 4 decimals (trailing zeros do not count).
   *
   * @return the value without trailing zeros, scale at least 0
   * @throws LoyaltyException VALIDATION_ERROR on {@code orderValue}
   */
  public static BigDecimal orderValue(BigDecimal value) {
    if (value == null) {
      throw LoyaltyException.validation("orderValue", "orderValue is required");
    }
    if (value.signum() < 0 || value.compareTo(MAX_ORDER_VALUE) > 0) {
      throw LoyaltyException.validation("orderValue", "orderValue must be between 0 and 10^12");
    }
    BigDecimal normal = normalOrderValue(value);
    if (normal.scale() > MAX_ORDER_VALUE_SCALE) {
      throw LoyaltyException.validation("orderValue",
          "orderValue must have at most " + MAX_ORDER_VALUE_SCALE + " decimals");
    }
    return normal;
  }

  /**
   * An order value in the one form the engine keeps: without trailing zeros, scale at least 0 ({@code 100}, not
   * {@code 1E+2}). A store that keeps another scale reads its values back through this, so that a conversion read
   * back equals the one first returned.
   */
  public static BigDecimal normalOrderValue(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0, RoundingMode.UNNECESSARY) : stripped;
  }

  /**
   * A chain depth, 1..{@value #MAX_DEPTH}.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code depth}
   */
  public static int depth(int depth) {
    if (depth < 1 || depth > MAX_DEPTH) {
      throw LoyaltyException.validation("depth", "depth must be between 1 and " + MAX_DEPTH);
    }
    return depth;
  }

  /**
   * Validates a campaign's settings on their own (the referrer reward is checked against storage by the service).
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code settings}, {@code goal}, {@code conversionPoints},
   *     {@code onMediumRisk}, {@code onHighRisk}, {@code velocityLimit} or {@code velocityWindow}
   */
  public static ReferralSettings settings(ReferralSettings settings) {
    TextRules.notNull("settings", settings);
    TextRules.notNull("goal", settings.goal());
    TextRules.notNull("conversionPoints", settings.conversionPoints());
    TextRules.notNull("onMediumRisk", settings.onMediumRisk());
    TextRules.notNull("onHighRisk", settings.onHighRisk());
    int limit = settings.velocityLimit();
    if (limit < MIN_VELOCITY_LIMIT || limit > MAX_VELOCITY_LIMIT) {
      throw LoyaltyException.validation("velocityLimit",
          "velocityLimit must be between " + MIN_VELOCITY_LIMIT + " and " + MAX_VELOCITY_LIMIT);
    }
    Duration window = TextRules.notNull("velocityWindow", settings.velocityWindow());
    if (window.compareTo(MIN_VELOCITY_WINDOW) < 0 || window.compareTo(MAX_VELOCITY_WINDOW) > 0) {
      throw LoyaltyException.validation("velocityWindow", "velocityWindow must be between 1 minute and 7 days");
    }
    if (window.getNano() != 0) {
      // Stored in whole seconds: refusing a fraction beats silently shortening the window.
      throw LoyaltyException.validation("velocityWindow", "velocityWindow must be a whole number of seconds");
    }
    return settings;
  }

  /** The longest landing-page or image URL. */
  static final int MAX_URL_LENGTH = 2_000;

  /**
   * A landing page as it is stored: texts stripped (URLs and the parameter of no-break spaces too), URLs checked,
   * {@code customised} set.
   *
   * @throws LoyaltyException VALIDATION_ERROR naming the field
   */
  public static LandingPage landingPage(LandingPage page) {
    TextRules.notNull("page", page);
    // URLs and the parameter are stripped of no-break spaces too (String.strip keeps them): one pasted with a
    // no-break space at an end is the one it shows, as it is with a space.
    String url = pageUrl("url", TextRules.required("url", TextRules.stripSpaces(page.url()), MAX_URL_LENGTH));
    String headline = TextRules.required("headline", page.headline(), 200);
    String description = TextRules.optionalLines("description", page.description(), 2_000);
    String shareMessage = TextRules.optionalLines("shareMessage", page.shareMessage(), 500);
    String imageUrl = page.imageUrl() == null ? null
        : pageUrl("imageUrl", TextRules.required("imageUrl", TextRules.stripSpaces(page.imageUrl()), MAX_URL_LENGTH));
    String parameter = TextRules.stripSpaces(TextRules.notNull("referralParameter", page.referralParameter()));
    if (!REFERRAL_PARAMETER.matcher(parameter).matches()) {
      throw LoyaltyException.validation("referralParameter",
          "referralParameter must be 1 to 32 letters, digits, '_', '-' or '.'");
    }
    return new LandingPage(page.campaignId(), url, headline, description, shareMessage, imageUrl, parameter, true);
  }

  /** The default landing page of a campaign: its brand's website, headed by the campaign's name. */
  public static LandingPage defaultLandingPage(Campaign campaign, Brand brand) {
    return new LandingPage(campaign.id(), "https://" + brand.domain() + "/", campaign.name(), null, null, null,
        LandingPage.DEFAULT_REFERRAL_PARAMETER, false);
  }

  private static final Pattern REFERRAL_PARAMETER = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

  /**
   * An absolute http(s) URL with a host, a port from 1 to 65535 if any, and no user information (a password in a
   * link would be handed to every visitor), in ASCII or Unicode as typed; no whitespace (a link must survive being
   * pasted), and no raw invisible character ({@link TextRules#isInvisible}: a format character such as a zero-width
   * space, soft hyphen, BOM or direction override, an unassigned code point, a Hangul filler, a variation selector...)
   * anywhere: RFC 3986 wants one percent-encoded, and raw it shows nothing or turns the text around, so the link
   * would look like another (in the host, another host; a browser drops or refuses it there).
   */
  private static String pageUrl(String field, String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isWhitespace(value.charAt(i)) || Character.isSpaceChar(value.charAt(i))) {
        throw LoyaltyException.validation(field, field + " must not contain spaces");
      }
    }
    if (value.codePoints().anyMatch(TextRules::isInvisible)) {
      throw LoyaltyException.validation(field, field + " must not contain invisible characters; percent-encode them");
    }
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      throw LoyaltyException.validation(field, field + " must be a URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      throw LoyaltyException.validation(field, field + " must be an http or https URL");
    }
    if (uri.getRawAuthority() == null || uri.getRawAuthority().isEmpty()) {
      throw LoyaltyException.validation(field, field + " must name a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawAuthority().indexOf('@') >= 0) {
      throw LoyaltyException.validation(field, field + " must not hold user information");
    }
    // URI takes an authority it cannot read as a host and port (no host, a port that is no number) as a registry
    // name, and reads a port of any size; a Unicode host is read that way too, so the authority is split here.
    String authority = uri.getRawAuthority();
    int close = authority.startsWith("[") ? authority.indexOf(']') : -1;
    int colon = authority.indexOf(':', close + 1);
    if (colon == 0) {
      throw LoyaltyException.validation(field, field + " must name a host");
    }
    if (close < 0 && !isHostName(colon < 0 ? authority : authority.substring(0, colon))) {
      throw LoyaltyException.validation(field, field + " must name a host");
    }
    String port = colon < 0 ? "" : authority.substring(colon + 1);
    if (!port.isEmpty() && !(PORT.matcher(port).matches() && Integer.parseInt(port) >= 1
        && Integer.parseInt(port) <= 65_535)) {
      throw LoyaltyException.validation(field, field + " must have a port from 1 to 65535, if any");
    }
    return value;
  }

  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  /**
   * Whether a host (not an IP literal in brackets) is a name a browser can follow: labels of 1 to 63 characters
   * joined by dots (one trailing dot allowed), none starting or ending with a hyphen, at most 253 characters, and no
   * percent-encoding. Unicode and underscores are kept as typed: hosts use both. (Invisible characters are refused
   * in the whole URL before.)
   */
  private static boolean isHostName(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.isEmpty() || name.indexOf('%') >= 0 || name.codePointCount(0, name.length()) > 253) {
      return false;
    }
    for (String label : name.split("\\.", -1)) {
      int length = label.codePointCount(0, label.length());
      if (length == 0 || length > 63 || label.startsWith("-") || label.endsWith("-")) {
        return false;
      }
    }
    return true;
  }

  /**
   * The signup gates a signup holds while it counts the campaign's earlier signups from its IP address and visitor
   * id (when referred) and records its own ({@code ReferralPort#lockSignupGate}), so that two signups from one
   * address never both count without the other: the gate of the address and the gate of the visitor id (either may
   * be null), each a bucket of {@link #SIGNUP_GATES} by {@link String#hashCode()} (the same in every JVM), so a gate
   * names no address. Distinct and ascending: every signup takes its gates in that order, so two never wait for each
   * other in a cycle.
   */
  public static int[] signupGates(String ipAddress, String visitorId) {
    int ip = ipAddress == null ? -1 : Math.floorMod(("ip:" + ipAddress).hashCode(), SIGNUP_GATES);
    int visitor = visitorId == null ? -1 : Math.floorMod(("visitor:" + visitorId).hashCode(), SIGNUP_GATES);
    if (ip < 0 || visitor < 0 || ip == visitor) {
      int only = Math.max(ip, visitor);
      return only < 0 ? new int[0] : new int[] {only};
    }
    return new int[] {Math.min(ip, visitor), Math.max(ip, visitor)};
  }

  private static boolean isPrintableAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
