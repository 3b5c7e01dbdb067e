package io.loyaltyengine.core.referrals;

import io.loyaltyengine.LoyaltyException;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Short, human-friendly referral codes such as {@code GAVIN42}: letters from the participant's first name, then
 * random digits. The engine stores them (unique per campaign) and looks them up upper case; this class only makes
 * candidates and recognises the shape.
 *
 * <p>Letters: the first name folded to ASCII (accents removed by canonical decomposition; {@code ß æ œ ø ł đ ð þ ı}
 * spelled out), non-letters dropped, upper case, at most 8; {@code FRIEND} when nothing is left. Digits: 2 for
 * attempts 0..4, 4 for attempts 5..9, 6 from attempt 10, so a caller that retries on a taken code widens the space
 * as a campaign fills up. A code is 3..14 characters.
 *
 * <p>Thread-safe: stateless (the caller's random generator is used as the caller uses it).
 */
public final class ShortCodes {
  /** Most letters a candidate takes from the name. */
  public static final int MAX_LETTERS = 8;
  /** Shortest short code. */
  public static final int MIN_LENGTH = 3;
  /** Longest short code. */
  public static final int MAX_LENGTH = 14;

  private static final String FALLBACK = "FRIEND";
  /** Characters of a name looked at; a first name is much shorter, this bounds the work on odd input. */
  private static final int MAX_NAME_CHARS = 256;
  private static final int[] BOUND = {0, 0, 100, 0, 10_000, 0, 1_000_000};

  private ShortCodes() {
  }

  /**
   * A candidate code for a participant.
   *
   * @param firstName the participant's first name, or null
   * @param attempt the number of earlier candidates refused as taken, from 0
   * @param random where the digits come from
   * @throws IllegalArgumentException if {@code attempt} is negative
   * @throws NullPointerException if {@code random} is null
   */
  public static String candidate(String firstName, int attempt, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    if (attempt < 0) {
      throw new IllegalArgumentException("attempt must not be negative");
    }
    int digits = attempt < 5 ? 2 : attempt < 10 ? 4 : 6;
    StringBuilder code = new StringBuilder(MAX_LETTERS + digits);
    letters(firstName, code);
    if (code.length() == 0) {
      code.append(FALLBACK);
    }
    String number = Integer.toString(random.nextInt(BOUND[digits]));
    code.append("0".repeat(digits - number.length())).append(number);
    return code.toString();
  }

  /**
   * Whether {@code code} has the shape of a short code: ASCII letters, then 2..6 ASCII digits, 3..14 characters in
   * all, any case. Never throws.
   */
  public static boolean looksShort(String code) {
    if (code == null || code.length() < MIN_LENGTH || code.length() > MAX_LENGTH) {
      return false;
    }
    int i = 0;
    while (i < code.length() && isAsciiLetter(code.charAt(i))) {
      i++;
    }
    int digits = code.length() - i;
    if (i == 0 || digits < 2 || digits > 6) {
      return false;
    }
    for (; i < code.length(); i++) {
      char c = code.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * The stored (upper-case ASCII) form of a short-looking code.
   *
   * @throws LoyaltyException VALIDATION_ERROR on {@code code} if it does not {@linkplain #looksShort look short}
   */
  public static String normalize(String code) {
    if (!looksShort(code)) {
      throw LoyaltyException.validation("code", "code is not a valid referral code");
    }
    return code.toUpperCase(Locale.ROOT);
  }

  private static void letters(String name, StringBuilder out) {
    if (name == null || name.isEmpty()) {
      return;
    }
    int end = Math.min(name.length(), MAX_NAME_CHARS);
    if (end < name.length() && Character.isHighSurrogate(name.charAt(end - 1))) {
      end--;
    }
    // NFKD splits accented letters into letter + mark and compatibility forms (fullwidth, ligatures) into ASCII.
    String decomposed = Normalizer.normalize(name.substring(0, end), Normalizer.Form.NFKD);
    for (int i = 0; i < decomposed.length() && out.length() < MAX_LETTERS; i++) {
      char c = decomposed.charAt(i);
      if (isAsciiLetter(c)) {
        out.append((char) (c & ~0x20));
      } else {
        String spelled = spelledOut(c);
        for (int j = 0; j < spelled.length() && out.length() < MAX_LETTERS; j++) {
          out.append(spelled.charAt(j));
        }
      }
    }
  }

  /** The ASCII spelling of a Latin letter that has no decomposition, or the empty string. */
  private static String spelledOut(char c) {
    return switch (c) {
      case 'ß', 'ẞ' -> "SS";
      case 'æ', 'Æ' -> "AE";
      case 'œ', 'Œ' -> "OE";
      case 'ø', 'Ø' -> "O";
      case 'ł', 'Ł' -> "L";
      case 'đ', 'Đ', 'ð', 'Ð' -> "D";
      case 'þ', 'Þ' -> "TH";
      case 'ı' -> "I";
      case 'ħ', 'Ħ' -> "H";
      case 'ŧ', 'Ŧ' -> "T";
      case 'ŋ', 'Ŋ' -> "NG";
      default -> "";
    };
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }
}
