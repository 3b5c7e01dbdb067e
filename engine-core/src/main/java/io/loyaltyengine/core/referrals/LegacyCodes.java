package io.loyaltyengine.core.referrals;

import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.DecodedCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The hosted products' legacy referral codes: base64 of {@code campaign_id:social_type:participant_id[:invited_id]}
 * in UTF-8. Anyone can forge one; campaigns that care require signed codes instead.
 *
 * <h2>What decodes</h2>
 * Either base64 alphabet (standard {@code + /} or URL-safe {@code - _}, never both in one code), with or without
 * {@code =} padding; when padding is present it must be exactly what the length calls for. The unused low bits of
 * the last character must be zero, as every encoder writes them, so one message has one spelling per alphabet and
 * padding choice. The message has 3 or 4 parts separated by {@code :}: ids in canonical decimal (no sign, no leading
 * zero, positive, at most {@link Long#MAX_VALUE}) and a social type of 1..32 characters {@code [A-Za-z0-9_.-]}; an
 * invited id, when present, is not the participant's own (a participant cannot invite themselves, so such a code
 * contradicts itself).
 * Every character a valid message may hold is ASCII, so a byte of 0x80 or above (invalid UTF-8, or valid UTF-8 for
 * Arabic-Indic or fullwidth digits) fails the same check as any other stray byte. (The characters the two alphabets
 * differ in encode 6-bit values that ASCII text produces only from {@code > ? ~} and DEL, none of which a valid
 * message holds; so both alphabets spell every valid code alike, and a mixed code is refused before it is parsed.)
 *
 * <p>The three kinds of code never look alike: a signed code holds a {@code .}, which no base64 alphabet has, and a
 * short code ends in two or more digits, which the last bytes of a valid message (digits after {@code :} or a digit)
 * cannot encode to.
 *
 * <h2>Cost</h2>
 * {@link #decode} is a table-driven single pass over the characters and one over the decoded bytes: no regular
 * expression, no intermediate strings but the social type, and no exception unless the code is refused.
 *
 * <p>Thread-safe: stateless.
 */
public final class LegacyCodes {
  /** Longest input {@link #decode} looks at, in characters; longer input is refused before any decoding. */
  public static final int MAX_LENGTH = 512;

  /** Longest social type, in characters. */
  public static final int MAX_SOCIAL_TYPE = 32;

  private static final String FIELD = "code";
  private static final int MAX_ID_DIGITS = 19;
  /** {@code id:type:id:id} at its longest: three 19-digit ids, a 32-character type and three separators. */
  private static final int MAX_MESSAGE = 3 * MAX_ID_DIGITS + MAX_SOCIAL_TYPE + 3;
  /** {@code 1:a:1}. */
  private static final int MIN_MESSAGE = 5;

  /** The 6-bit value of each ASCII character in either alphabet, or -1. */
  private static final byte[] VALUE = new byte[128];
  /** 1 for characters only the standard alphabet has, 2 for those only the URL-safe one has, else 0. */
  private static final byte[] ALPHABET = new byte[128];
  /** Whether each ASCII character may appear in a social type. */
  private static final boolean[] SOCIAL = new boolean[128];

  static {
    Arrays.fill(VALUE, (byte) -1);
    String common = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < common.length(); i++) {
      VALUE[common.charAt(i)] = (byte) i;
      SOCIAL[common.charAt(i)] = true;
    }
    VALUE['+'] = 62;
    VALUE['/'] = 63;
    VALUE['-'] = 62;
    VALUE['_'] = 63;
    ALPHABET['+'] = 1;
    ALPHABET['/'] = 1;
    ALPHABET['-'] = 2;
    ALPHABET['_'] = 2;
    SOCIAL['_'] = true;
    SOCIAL['.'] = true;
    SOCIAL['-'] = true;
  }

  private LegacyCodes() {
  }

  /**
   * Decodes a legacy code.
   *
   * @return the code's campaign, social type, participant and optional invited participant, of kind
   *     {@link CodeKind#LEGACY}
   * @throws LoyaltyException VALIDATION_ERROR on {@code code} for any malformed input, including null
   */
  public static DecodedCode decode(String code) {
    if (code == null) {
      throw LoyaltyException.validation(FIELD, "code is required");
    }
    int length = code.length();
    if (length > MAX_LENGTH) {
      throw LoyaltyException.validation(FIELD, "code must be at most " + MAX_LENGTH + " characters");
    }
    byte[] message = decodeBase64(code, length);
    if (message == null) {
      throw invalid();
    }
    DecodedCode decoded = parse(message);
    if (decoded == null) {
      throw invalid();
    }
    return decoded;
  }

  /**
   * Encodes a legacy code: URL-safe base64 without padding, as links can carry it unescaped.
   *
   * @param campaignId the campaign, positive
   * @param socialType the channel, 1..32 characters {@code [A-Za-z0-9_.-]}
   * @param participantId the referring participant, positive
   * @param invitedId the invited participant, positive and not {@code participantId}, or null
   * @throws IllegalArgumentException if an argument is out of those bounds
   */
  public static String encode(long campaignId, String socialType, long participantId, Long invitedId) {
    if (campaignId <= 0 || participantId <= 0 || (invitedId != null && invitedId <= 0)) {
      throw new IllegalArgumentException("campaignId, participantId and invitedId must be positive");
    }
    if (invitedId != null && invitedId == participantId) {
      throw new IllegalArgumentException("invitedId must not be participantId");
    }
    if (!isSocialType(socialType)) {
      throw new IllegalArgumentException("socialType must be 1..32 characters A-Z a-z 0-9 _ . -");
    }
    String message = campaignId + ":" + socialType + ":" + participantId + (invitedId == null ? "" : ":" + invitedId);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(message.getBytes(StandardCharsets.US_ASCII));
  }

  /** Whether {@code value} is a social type: 1..32 characters {@code [A-Za-z0-9_.-]}. Never throws. */
  public static boolean isSocialType(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_SOCIAL_TYPE) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c >= 128 || !SOCIAL[c]) {
        return false;
      }
    }
    return true;
  }

  /** The decoded bytes, or null if {@code code} is not canonical base64 of a message of a plausible length. */
  private static byte[] decodeBase64(String code, int length) {
    int end = length;
    while (end > 0 && code.charAt(end - 1) == '=') {
      end--;
    }
    int padding = length - end;
    int rest = end & 3;
    if (rest == 1 || (padding > 0 && (length & 3) != 0)) {
      return null;
    }
    // Padding, when present, must complete the last group: 2 after 2 characters, 1 after 3, none after 4.
    if (padding > 0 && (rest == 0 || padding != 4 - rest)) {
      return null;
    }
    int size = (end >> 2) * 3 + (rest == 0 ? 0 : rest - 1);
    if (size < MIN_MESSAGE || size > MAX_MESSAGE) {
      return null;
    }
    byte[] out = new byte[size];
    int alphabets = 0;
    int bits = 0;
    int o = 0;
    int full = end - rest;
    for (int i = 0; i < full; i += 4) {
      int group = 0;
      for (int j = i; j < i + 4; j++) {
        char c = code.charAt(j);
        int v = c < 128 ? VALUE[c] : -1;
        if (v < 0) {
          return null;
        }
        alphabets |= ALPHABET[c];
        group = (group << 6) | v;
      }
      out[o++] = (byte) (group >> 16);
      out[o++] = (byte) (group >> 8);
      out[o++] = (byte) group;
    }
    for (int j = full; j < end; j++) {
      char c = code.charAt(j);
      int v = c < 128 ? VALUE[c] : -1;
      if (v < 0) {
        return null;
      }
      alphabets |= ALPHABET[c];
      bits = (bits << 6) | v;
    }
    if (rest == 2) {
      if ((bits & 0xF) != 0) {
        return null;
      }
      out[o] = (byte) (bits >> 4);
    } else if (rest == 3) {
      if ((bits & 0x3) != 0) {
        return null;
      }
      out[o++] = (byte) (bits >> 10);
      out[o] = (byte) (bits >> 2);
    }
    return alphabets == 3 ? null : out;
  }

  /** The message's parts, or null if it is not {@code id:type:id[:id]} (the invited id not the participant's). */
  private static DecodedCode parse(byte[] m) {
    int first = indexOf(m, 0);
    if (first < 0) {
      return null;
    }
    int second = indexOf(m, first + 1);
    if (second < 0) {
      return null;
    }
    int third = indexOf(m, second + 1);
    int participantEnd = third < 0 ? m.length : third;
    if (third >= 0 && indexOf(m, third + 1) >= 0) {
      return null;
    }
    long campaignId = parseId(m, 0, first);
    long participantId = parseId(m, second + 1, participantEnd);
    long invitedId = third < 0 ? 0 : parseId(m, third + 1, m.length);
    if (campaignId < 0 || participantId < 0 || invitedId < 0 || invitedId == participantId
        || !socialType(m, first + 1, second)) {
      return null;
    }
    String socialType = new String(m, first + 1, second - first - 1, StandardCharsets.ISO_8859_1);
    return new DecodedCode(CodeKind.LEGACY, campaignId, socialType, participantId,
        third < 0 ? null : Long.valueOf(invitedId));
  }

  private static int indexOf(byte[] m, int from) {
    for (int i = from; i < m.length; i++) {
      if (m[i] == ':') {
        return i;
      }
    }
    return -1;
  }

  /** A canonical positive decimal long in {@code m[from, to)}, or -1. */
  private static long parseId(byte[] m, int from, int to) {
    int digits = to - from;
    if (digits < 1 || digits > MAX_ID_DIGITS || m[from] < '1' || m[from] > '9') {
      return -1;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      int d = m[i] - '0';
      if (d < 0 || d > 9 || value > (Long.MAX_VALUE - d) / 10) {
        return -1;
      }
      value = value * 10 + d;
    }
    return value;
  }

  private static boolean socialType(byte[] m, int from, int to) {
    if (to - from < 1 || to - from > MAX_SOCIAL_TYPE) {
      return false;
    }
    for (int i = from; i < to; i++) {
      int b = m[i];
      if (b < 0 || !SOCIAL[b]) {
        return false;
      }
    }
    return true;
  }

  private static LoyaltyException invalid() {
    return LoyaltyException.validation(FIELD, "code is not a valid referral code");
  }
}
