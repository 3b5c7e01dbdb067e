package io.loyaltyengine.core.coupons;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure rules of an upload: which codes are valid, and which repeat within the upload. Codes are bearer secrets,
 * so no message ever repeats one; a rejected code is named by its index in the upload.
 *
 * <p>Thread-safe: stateless.
 */
final class CouponRules {
  /** Most codes in one upload. */
  static final int MAX_CODES_PER_UPLOAD = 10_000;
  /** Longest code, in code points. */
  static final int MAX_CODE_LENGTH = 100;

  private static final String FIELD = "codes";

  private CouponRules() {
  }

  /**
   * The codes of an upload, validated and stripped.
   *
   * @param unique each distinct code once, in order of first appearance
   * @param duplicates each code that appeared more than once, once, in order of its first repetition
   */
  record Upload(List<String> unique, List<String> duplicates) {
    Upload {
      unique = List.copyOf(unique);
      duplicates = List.copyOf(duplicates);
    }
  }

  /**
   * Validates and deduplicates an upload.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code codes}
   */
  static Upload normalize(List<String> codes) {
    if (codes == null) {
      throw LoyaltyException.validation(FIELD, "codes is required");
    }
    int size = codes.size();
    if (size == 0 || size > MAX_CODES_PER_UPLOAD) {
      throw LoyaltyException.validation(FIELD, "codes must hold 1 to " + MAX_CODES_PER_UPLOAD + " codes");
    }
    Set<String> unique = new LinkedHashSet<>(size * 2);
    Set<String> duplicates = new LinkedHashSet<>();
    int index = 0;
    for (String raw : codes) {
      String code = check(index++, raw);
      if (!unique.add(code)) {
        duplicates.add(code);
      }
    }
    return new Upload(new ArrayList<>(unique), new ArrayList<>(duplicates));
  }

  /** One code, stripped, or VALIDATION_ERROR naming its index. */
  static String check(int index, String raw) {
    String at = "codes[" + index + "]";
    if (raw == null) {
      throw LoyaltyException.validation(FIELD, at + " is required");
    }
    // Codes are compared as they are: one pasted with a no-break space at an end would be a second "same" code.
    String code = TextRules.stripSpaces(raw);
    if (TextRules.isBlank(code)) {
      throw LoyaltyException.validation(FIELD, at + " must not be blank");
    }
    // Cheap bound first: code points never outnumber chars.
    if (code.length() > MAX_CODE_LENGTH && code.codePointCount(0, code.length()) > MAX_CODE_LENGTH) {
      throw LoyaltyException.validation(FIELD, at + " must be at most " + MAX_CODE_LENGTH + " characters");
    }
    if (!isPrintable(code)) {
      throw LoyaltyException.validation(FIELD, at + " must be printable text (no control or invisible characters)");
    }
    return code;
  }

  /**
   * Whether every character can be seen and typed: no control characters, no line or paragraph separators, no
   * private-use characters, no unpaired surrogates, and nothing drawn as nothing ({@link TextRules#isInvisible}:
   * format characters such as zero-width spaces and direction marks, unassigned code points, the other
   * default-ignorable ones). A code is read off a screen or a receipt; an invisible character would make two codes
   * that look the same differ.
   */
  static boolean isPrintable(String code) {
    for (int i = 0; i < code.length(); ) {
      int cp = code.codePointAt(i);
      switch (Character.getType(cp)) {
        case Character.CONTROL, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.PRIVATE_USE,
            Character.SURROGATE -> {
          return false;
        }
        default -> {
          if (TextRules.isInvisible(cp)) {
            return false;
          }
          i += Character.charCount(cp);
        }
      }
    }
    return true;
  }
}
