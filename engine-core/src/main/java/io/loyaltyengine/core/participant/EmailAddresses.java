package io.loyaltyengine.core.participant;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Validates emails and computes the sanitized form on which a campaign's participants are unique.
 *
 * <p>Valid: at most 254 code points once NFC-normalized (as the local part and labels are counted), exactly one
 * {@code @}, a local part of 1..64 code points without whitespace, invisible characters
 * ({@link TextRules#isInvisible}: format characters, unassigned code points...), quotes, brackets,
 * {@code ( ) < > , ; : \}, leading, trailing or doubled dots; a domain of at least two labels of letters, digits and
 * inner hyphens (Unicode letters and marks allowed, invisible ones not), each at most 63 code points.
 *
 * <p>Given: stripped of the whitespace and space separators around it, no-break spaces ({@code U+00A0},
 * {@code U+2007}, {@code U+202F}) included, as {@link TextRules#stripSpaces} does. Every email the engine takes
 * (enrolment, update, lookup, actions, signups, sign-on) is parsed here.
 *
 * <p>Sanitized: stripped, NFC-normalized and lower-cased (root locale), the local part's Greek final sigma
 * ({@code ς}) made the medial one ({@code σ}) as case folding does; for {@code gmail.com} and
 * {@code googlemail.com}, which ignore dots and {@code +tags} in the local part, those are dropped and the domain
 * becomes {@code gmail.com}. Other providers' {@code +tags} are kept: not every provider treats them as aliases.
 *
 * <p>Thread-safe: stateless.
 */
public final class EmailAddresses {
  /** Longest email, in code points (RFC 5321 path limit). */
  public static final int MAX_LENGTH = 254;
  private static final int MAX_LOCAL = 64;
  private static final int MAX_LABEL = 63;
  /** Most code points NFC composes into one. */
  private static final int MAX_SHRINK = 4;
  private static final char FINAL_SIGMA = '\u03C2';
  private static final char SIGMA = '\u03C3';
  /** The domain every Gmail address is sanitized to. */
  public static final String GMAIL = "gmail.com";

  private EmailAddresses() {
  }

  /**
   * An email as given (stripped) and its sanitized form. Immutable.
   *
   * @param given the stripped email
   * @param sanitized the form uniqueness is decided on
   */
  public record Email(String given, String sanitized) {
    @Override
    public String toString() {
      return "Email[<hidden>]";
    }
  }

  /**
   * Validates an email and computes its sanitized form.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code field}
   */
  public static Email parse(String field, String email) {
    // Stripped of no-break spaces too (String.strip keeps them): an email pasted with one is the email it shows.
    // The length is counted once normalized, as the local part's and the labels' are, so that every spelling of an
    // email (composed, decomposed) is as long and as valid: a lookup by the decomposed spelling of a participant's
    // email finds it. NFC makes one code point of at most 4 (the longest canonical decomposition), so a text of more
    // than 4 times the bound is over it once normalized too, and is refused without normalizing it.
    String given = TextRules.required(field, TextRules.stripSpaces(email), Integer.MAX_VALUE);
    String normalized = given.codePointCount(0, given.length()) > MAX_SHRINK * MAX_LENGTH
        ? given : Normalizer.normalize(given, Normalizer.Form.NFC);
    TextRules.checkLength(field, normalized, MAX_LENGTH);
    int at = normalized.indexOf('@');
    if (at < 0 || at != normalized.lastIndexOf('@')) {
      throw invalid(field);
    }
    String local = normalized.substring(0, at);
    String domain = normalized.substring(at + 1);
    checkLocal(field, local);
    checkDomain(field, domain);
    return new Email(given, sanitize(field, local, domain));
  }

  /** The sanitized form of a valid email. */
  public static String sanitized(String field, String email) {
    return parse(field, email).sanitized();
  }

  private static String sanitize(String field, String local, String domain) {
    // Lower-casing writes the final sigma for a capital one that ends a word, and a dot does not end one (it is
    // case-ignorable): ΝΊΚΟΣ.Α becomes νίκοσ.α where its owner writes νίκος.α. Folded as ParticipantSearch folds it.
    // Not in the domain, where IDNA2008 makes the two different names.
    String l = local.toLowerCase(Locale.ROOT).replace(FINAL_SIGMA, SIGMA);
    String d = domain.toLowerCase(Locale.ROOT);
    if (isGmail(d)) {
      l = gmailLocal(l);
      if (l.isEmpty()) {
        throw invalid(field);
      }
      d = GMAIL;
    }
    return l + "@" + d;
  }

  /** Whether a lower-case domain is Gmail's ({@code gmail.com} or {@code googlemail.com}), written {@link #GMAIL}. */
  public static boolean isGmail(String domain) {
    return domain.equals(GMAIL) || domain.equals("googlemail.com");
  }

  /** A Gmail local part as Gmail reads it: without its {@code +tag} and its dots. */
  public static String gmailLocal(String local) {
    int plus = local.indexOf('+');
    return (plus >= 0 ? local.substring(0, plus) : local).replace(".", "");
  }

  private static void checkLocal(String field, String local) {
    if (local.isEmpty() || local.codePointCount(0, local.length()) > MAX_LOCAL) {
      throw invalid(field);
    }
    if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
      throw invalid(field);
    }
    for (int i = 0; i < local.length(); ) {
      int c = local.codePointAt(i);
      // An invisible character (zero-width space, byte-order mark, soft hyphen, Hangul filler...) shows nothing: the
      // email would look like another, and make a second participant of the person who holds that one.
      if (Character.isWhitespace(c) || Character.isSpaceChar(c) || TextRules.isInvisible(c)
          || "\"()<>[],;:\\".indexOf(c) >= 0) {
        throw invalid(field);
      }
      i += Character.charCount(c);
    }
  }

  private static void checkDomain(String field, String domain) {
    String[] labels = domain.split("\\.", -1);
    if (labels.length < 2) {
      throw invalid(field);
    }
    for (String label : labels) {
      if (label.isEmpty() || label.codePointCount(0, label.length()) > MAX_LABEL
          || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
        throw invalid(field);
      }
      for (int i = 0; i < label.length(); ) {
        int cp = label.codePointAt(i);
        // Invisible ones refused as in the local part: a Hangul filler is a letter, a variation selector or the
        // combining grapheme joiner a non-spacing mark, and either would make a look-alike of another domain.
        if (!(Character.isLetterOrDigit(cp) || cp == '-' || Character.getType(cp) == Character.NON_SPACING_MARK
            || Character.getType(cp) == Character.COMBINING_SPACING_MARK) || TextRules.isInvisible(cp)) {
          throw invalid(field);
        }
        i += Character.charCount(cp);
      }
    }
  }

  private static LoyaltyException invalid(String field) {
    return LoyaltyException.validation(field, field + " is not a valid email address");
  }
}
