package io.loyaltyengine.core.validation;

import io.loyaltyengine.LoyaltyException;

/**
 * Validation of text fields, shared by every feature. Rejections are {@link LoyaltyException}s with code
 * VALIDATION_ERROR naming the field; messages never repeat the rejected value (it may be personal data).
 *
 * <p>Lengths are counted in Unicode code points. Text may hold any Unicode except control characters and unpaired
 * surrogates (which no database stores faithfully).
 *
 * <p>Thread-safe: stateless.
 */
public final class TextRules {
  private TextRules() {
  }

  /**
   * A required text: not null, not blank, stripped of surrounding whitespace, at most {@code maxLength} code points.
   * Blank means made only of whitespace, space separators and characters drawn as nothing: a text of no-break spaces
   * ({@code U+00A0}, {@code U+202F}), which {@link String#strip} keeps, or of zero-width spaces and joiners is blank
   * too (see {@link #isInvisible}; code points unassigned in this JDK's Unicode tables excepted, as a newer emoji
   * shows).
   *
   * @return the stripped text
   */
  public static String required(String field, String value, int maxLength) {
    return text(field, value, maxLength, false);
  }

  /**
   * A required text that may span lines, written in a text area (a testimonial, an idea's body, a description): as
   * {@link #required}, but tab, CR and LF are kept where they are; other control characters are refused.
   *
   * @return the stripped text
   */
  public static String requiredLines(String field, String value, int maxLength) {
    return text(field, value, maxLength, true);
  }

  private static String text(String field, String value, int maxLength, boolean lines) {
    if (value == null) {
      throw LoyaltyException.validation(field, field + " is required");
    }
    String stripped = value.strip();
    if (drawsNothing(stripped)) {
      throw LoyaltyException.validation(field, field + " must not be blank");
    }
    checkCharacters(field, stripped, lines);
    checkLength(field, stripped, maxLength);
    return stripped;
  }

  /**
   * An optional text that may span lines: null stays null; otherwise as {@link #requiredLines}.
   *
   * @return the stripped text, or null
   */
  public static String optionalLines(String field, String value, int maxLength) {
    return value == null ? null : requiredLines(field, value, maxLength);
  }

  /**
   * An optional text: null stays null; otherwise as {@link #required}.
   *
   * @return the stripped text, or null
   */
  public static String optional(String field, String value, int maxLength) {
    return value == null ? null : required(field, value, maxLength);
  }

  /**
   * An optional text in an update: null means unchanged (returned as null), the empty string means clear
   * (returned as the empty string), anything else as {@link #required}.
   */
  public static String clearable(String field, String value, int maxLength) {
    if (value == null || value.isEmpty()) {
      return value;
    }
    return required(field, value, maxLength);
  }

  /**
   * The text without the whitespace and space separators at its ends, no-break spaces included, which
   * {@link String#strip} keeps: for values compared as they are, where one pasted with a trailing no-break space
   * would be another value that looks the same. Null stays null, for the checks after it to name.
   */
  public static String stripSpaces(String value) {
    if (value == null) {
      return null;
    }
    int start = 0;
    int end = value.length();
    // Every space separator and whitespace character is in the BMP, so chars suffice.
    while (start < end && isSpace(value.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(value.charAt(end - 1))) {
      end--;
    }
    return value.substring(start, end);
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  /**
   * Whether a text is blank: made only of whitespace or space separators, no-break spaces ({@code U+00A0},
   * {@code U+202F}, {@code U+2007}) included, which {@link String#strip} keeps and {@link String#isBlank} does not
   * count as blank.
   */
  public static boolean isBlank(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (!isSpace(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a text is blank or holds, besides spaces, only assigned characters drawn as nothing: what
   * {@link #required} refuses as blank.
   */
  public static boolean drawsNothing(String value) {
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      boolean space = cp < Character.MIN_SUPPLEMENTARY_CODE_POINT && isSpace((char) cp);
      if (!space && (!isInvisible(cp) || Character.getType(cp) == Character.UNASSIGNED)) {
        return false;
      }
      i += Character.charCount(cp);
    }
    return true;
  }

  /** Rejects text longer than {@code maxLength} code points. */
  public static void checkLength(String field, String value, int maxLength) {
    // Cheap bound first: code points never outnumber chars.
    if (value.length() > maxLength && value.codePointCount(0, value.length()) > maxLength) {
      throw LoyaltyException.validation(field, field + " must be at most " + maxLength + " characters");
    }
  }

  /** Rejects control characters and unpaired surrogates. */
  public static void checkCharacters(String field, String value) {
    checkCharacters(field, value, false);
  }

  /**
   * Rejects control characters, but tab, CR and LF when {@code lines} (a text that may span lines), and unpaired
   * surrogates.
   */
  public static void checkCharacters(String field, String value, boolean lines) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && !(lines && (c == '\t' || c == '\n' || c == '\r'))) {
        throw LoyaltyException.validation(field, field + " must not contain control characters");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw LoyaltyException.validation(field, field + " must be valid Unicode text");
      }
      if (Character.isLowSurrogate(c)) {
        throw LoyaltyException.validation(field, field + " must be valid Unicode text");
      }
    }
  }

  /**
   * Whether a code point is drawn as nothing, so that text holding it looks like text without it: a format character
   * (category Cf: zero-width spaces and joiners, soft hyphen, direction marks and overrides, tags), an unassigned code
   * point or noncharacter, or one of the other default-ignorable code points (Unicode's DerivedCoreProperties) that
   * are assigned and not of the format category: the combining grapheme joiner, the Hangul fillers, the Khmer
   * inherent vowels, the Mongolian free variation selectors and the variation selectors. For the values read off a
   * screen and compared by eye: a coupon code, a landing page's link, an email.
   */
  public static boolean isInvisible(int cp) {
    int type = Character.getType(cp);
    return type == Character.FORMAT || type == Character.UNASSIGNED
        || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5
        || (cp >= 0x180B && cp <= 0x180F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFFA0
        || (cp >= 0xE0100 && cp <= 0xE01EF);
  }

  /** Rejects null. */
  public static <T> T notNull(String field, T value) {
    if (value == null) {
      throw LoyaltyException.validation(field, field + " is required");
    }
    return value;
  }
}
