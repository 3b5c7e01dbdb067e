package io.loyaltyengine.referrals;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * Where a campaign's referral links lead, and what the page or share widget says: a campaign's landing-page
 * settings. Immutable; start from what {@link Referrals#landingPage} returns and change it with the {@code with...}
 * methods. The engine validates on {@link Referrals#configureLandingPage}.
 *
 * <p>A campaign never configured has the default page ({@code customised() == false}): its brand's website,
 * {@code https://<domain>/}, with the campaign's name as headline, no description, share message or image, and
 * {@value #DEFAULT_REFERRAL_PARAMETER} as the link's parameter.
 *
 * @param campaignId the campaign
 * @param url the page a referred friend lands on: an absolute {@code http} or {@code https} URL with a host (a
 *     bracketed IPv6 literal, or a name in ASCII or Unicode of dot-separated labels of 1 to 63 characters, none
 *     starting or ending with a hyphen, without percent-encoding), a port from 1 to 65535 if any, without user
 *     information, and without a raw invisible character anywhere (a format character such as {@code U+200B} or
 *     {@code U+202E}, another default-ignorable one such as {@code U+034F} or {@code U+3164}, or an unassigned code
 *     point): percent-encoded, as RFC 3986 writes one, it is kept; at most 2,000 characters
 * @param headline what the page leads with, 1..200 characters
 * @param description more text for the page, at most 2,000 characters, or null; may span lines
 * @param shareMessage the text offered to a participant sharing the link, at most 500 characters, or null; may span
 *     lines
 * @param imageUrl an image for the page and its shares (an {@code http} or {@code https} URL, as {@code url}), or null
 * @param referralParameter the query parameter that carries the referral code in a link, 1..32 letters, digits,
 *     {@code _}, {@code -} or {@code .}
 * @param customised whether the campaign was configured (false: these are the defaults); ignored on
 *     {@link Referrals#configureLandingPage}
 */
public record LandingPage(long campaignId, String url, String headline, String description, String shareMessage,
    String imageUrl, String referralParameter, boolean customised) {

  /** The query parameter of a link when the campaign does not name another. */
  public static final String DEFAULT_REFERRAL_PARAMETER = "ref";

  /**
   * This page leading to another URL.
   *
   * @param url the URL the page leads to
   * @return a new page
   */
  public LandingPage withUrl(String url) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * This page with another headline.
   *
   * @param headline the headline
   * @return a new page
   */
  public LandingPage withHeadline(String headline) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * This page with another description (null for none).
   *
   * @param description the description, or null
   * @return a new page
   */
  public LandingPage withDescription(String description) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * This page with another share message (null for none).
   *
   * @param shareMessage the share message, or null
   * @return a new page
   */
  public LandingPage withShareMessage(String shareMessage) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * This page with another image (null for none).
   *
   * @param imageUrl the image's URL, or null
   * @return a new page
   */
  public LandingPage withImageUrl(String imageUrl) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * This page with another query parameter for the code.
   *
   * @param referralParameter the query parameter's name
   * @return a new page
   */
  public LandingPage withReferralParameter(String referralParameter) {
    return new LandingPage(campaignId, url, headline, description, shareMessage, imageUrl, referralParameter,
        customised);
  }

  /**
   * The link a participant shares: {@link #url()} with the code added as the {@link #referralParameter()} query
   * parameter (after the URL's own query, before its fragment), the code percent-encoded. For example
   * {@code https://shop.example.com/spring?utm=mail} and code {@code AB12} give
   * {@code https://shop.example.com/spring?utm=mail&ref=AB12}. A URL that already carries the parameter (say, one
   * copied from a referred visit) gets this code in its place, once: {@code https://shop.example.com/?ref=OLD&utm=mail}
   * gives {@code https://shop.example.com/?ref=AB12&utm=mail}; any further occurrences are dropped, other parameters
   * and the fragment are kept as they are.
   *
   * @param code a referral code of the campaign (any of {@link ReferralCodes}'s forms)
   * @return the link
   * @throws NullPointerException if {@code code} is null, or {@link #url()} or {@link #referralParameter()} is (a
   *     page the host built itself: the engine checks a page on {@link Referrals#configureLandingPage}, and every page
   *     it returns has both)
   */
  public String linkFor(String code) {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(url, "url");
    // Else the link would carry the code as "null=...", which no page reads.
    Objects.requireNonNull(referralParameter, "referralParameter");
    String parameter = referralParameter + "=" + URLEncoder.encode(code, StandardCharsets.UTF_8);
    int hash = url.indexOf('#');
    String base = hash < 0 ? url : url.substring(0, hash);
    String fragment = hash < 0 ? "" : url.substring(hash);
    int query = base.indexOf('?');
    if (query >= 0) {
      // The code the URL already carries (its name compared as typed, as a page reads it) makes way for this one.
      StringJoiner pairs = new StringJoiner("&");
      boolean replaced = false;
      for (String pair : base.substring(query + 1).split("&", -1)) {
        int equals = pair.indexOf('=');
        if (!(equals < 0 ? pair : pair.substring(0, equals)).equals(referralParameter)) {
          pairs.add(pair);
        } else if (!replaced) {
          pairs.add(parameter);
          replaced = true;
        }
      }
      if (replaced) {
        return base.substring(0, query + 1) + pairs + fragment;
      }
    }
    String separator = query < 0 ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
    return base + separator + parameter + fragment;
  }
}
