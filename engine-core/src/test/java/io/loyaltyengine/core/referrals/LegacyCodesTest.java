package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.referrals.CodeKind;
import io.loyaltyengine.referrals.DecodedCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LegacyCodesTest {
  private static final String SOCIAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

  // ==================================================================== valid codes

  static Stream<Arguments> validCorpus() {
    List<Arguments> corpus = new ArrayList<>();
    String[] messages = {"1:direct:1", "12:facebook:345", "12:facebook:345:678", "7:x:9", "42:twitter.com:7:8",
        "9223372036854775807:a_b-c.d:9223372036854775807:9223372036854775806",
        "3:" + "t".repeat(32) + ":4", "1000:WhatsApp:2000", "5:email:6:1"};
    for (String m : messages) {
      DecodedCode expected = expected(m);
      byte[] bytes = m.getBytes(StandardCharsets.UTF_8);
      corpus.add(Arguments.of(Base64.getEncoder().encodeToString(bytes), expected));
      corpus.add(Arguments.of(Base64.getEncoder().withoutPadding().encodeToString(bytes), expected));
      corpus.add(Arguments.of(Base64.getUrlEncoder().encodeToString(bytes), expected));
      corpus.add(Arguments.of(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes), expected));
    }
    return corpus.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validCorpus")
  void validCodesDecodeInEitherAlphabetWithOrWithoutPadding(String code, DecodedCode expected) {
    assertEquals(expected, LegacyCodes.decode(code));
  }

  /**
   * Why either alphabet decodes every valid code alike: {@code + / - _} stand for the 6-bit values 62 and 63, which
   * ASCII bytes produce only from {@code > ? ~ DEL} at every third byte, and none of those may appear in a valid
   * message. So the alphabets only differ on codes that are refused anyway; mixed ones are refused first.
   */
  @Test
  void validMessagesNeverNeedTheCharactersTheAlphabetsDifferIn() {
    for (int i = 1; i < 20_000; i++) {
      String code = Base64.getEncoder().encodeToString(ascii(i + ":" + Integer.toString(i * 7919, 36) + ".x_-:" + i));
      assertEquals(-1, code.indexOf('+'), code);
      assertEquals(-1, code.indexOf('/'), code);
    }
    String std = Base64.getEncoder().encodeToString(ascii("1:a~~~:1"));
    assertTrue(std.indexOf('+') >= 0 || std.indexOf('/') >= 0, std);
  }

  @Test
  void encodeWritesUrlSafeBase64WithoutPadding() {
    String code = LegacyCodes.encode(12, "facebook", 345, 678L);
    assertEquals(Base64.getUrlEncoder().withoutPadding()
        .encodeToString("12:facebook:345:678".getBytes(StandardCharsets.US_ASCII)), code);
    assertEquals(new DecodedCode(CodeKind.LEGACY, 12, "facebook", 345, 678L), LegacyCodes.decode(code));
    assertNull(LegacyCodes.decode(LegacyCodes.encode(1, "direct", 2, null)).invitedId());
  }

  @Test
  void encodeRefusesWhatDecodeWouldRefuse() {
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(0, "direct", 1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "direct", -1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "direct", 1, 0L));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "direct", 2, 2L));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, null, 1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "", 1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "a:b", 1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "t".repeat(33), 1, null));
    assertThrows(IllegalArgumentException.class, () -> LegacyCodes.encode(1, "café", 1, null));
  }

  // ==================================================================== malformed codes

  static Stream<String> malformedCorpus() {
    List<String> codes = new ArrayList<>();
    String good = b64("12:facebook:345");        // MTI6ZmFjZWJvb2s6MzQ1 (20 characters, no padding needed)
    String padded = b64("1:direct:1");           // MTpkaXJlY3Q6MQ==
    codes.add("");
    codes.add("A".repeat(LegacyCodes.MAX_LENGTH + 1));
    codes.add("A".repeat(1_000_000));
    codes.add(" " + good);
    codes.add(good + " ");
    codes.add(good.substring(0, 8) + " " + good.substring(8));
    codes.add(good + "\n");
    codes.add("\t" + good);
    codes.add(good.substring(0, 4) + "\u00a0" + good.substring(4));
    codes.add(good + "\u0000");
    codes.add("\u0000" + good);
    codes.add(good.substring(0, 4) + "\ud800" + good.substring(4));   // unpaired surrogate
    codes.add(good + "\udc00");
    codes.add(good + "\ud83d\ude00");                                   // an emoji (a valid pair)
    codes.add(good.substring(0, 6) + "%3D");                            // URL escapes are not decoded
    codes.add("MTpkaXJlY3Q6MQ%3D%3D");
    codes.add(good.replace('M', '!'));
    codes.add(good.replace('6', '.'));
    codes.add(good.replace('Z', '*'));
    codes.add(good.replace('Z', 'Ｚ'));                                  // fullwidth letter
    // Padding: where none is due, too much, too little, inside, or on a length that is no group.
    codes.add(good + "=");
    codes.add(good + "==");
    codes.add(good + "====");
    codes.add(padded.substring(0, padded.length() - 1));                // one '=' where two are due
    codes.add(padded + "=");
    codes.add(padded.replace("==", "=A"));
    codes.add(padded.substring(0, 4) + "=" + padded.substring(4));
    codes.add("=" + good);
    codes.add("====");
    codes.add("=");
    codes.add(good.substring(0, 17));                                    // 1 character left over: not base64
    codes.add(b64("1:direct:12").replace("=", "") + "==");              // 3 characters left over take one '='
    // Spare bits that are not zero: a second spelling of the same bytes.
    codes.add(flipLastBits(Base64.getEncoder().withoutPadding().encodeToString(ascii("1:direct:1"))));
    codes.add(flipLastBits(Base64.getEncoder().withoutPadding().encodeToString(ascii("1:direct:12"))));
    codes.add(flipLastBits(Base64.getEncoder().encodeToString(ascii("1:direct:1"))));
    // Mixed alphabets within one code.
    codes.add(mixAlphabets());
    // Messages that are not campaign:type:participant[:invited].
    for (String m : new String[] {"12:facebook", "12", "12:facebook:345:678:9", "12:facebook:345:678:",
        "1::2", ":direct:2", "1:direct:", "1:direct::2", "::", ":::", "1:direct:2:", "12;facebook;345",
        "+42:direct:1", "42:direct:+1", "042:direct:1", "1:direct:01", "1:direct:2:007", "-1:direct:1",
        "1:direct:-1", "0:direct:1", "1:direct:0", "1:direct:2:0", "1 :direct:1", "1:direct: 1", "1:direct:1 ",
        "9223372036854775808:direct:1", "1:direct:99999999999999999999", "1:direct:18446744073709551617",
        "1.0:direct:1", "1e3:direct:1", "0x10:direct:1", "1_000:direct:1",
        "1:" + "t".repeat(33) + ":1", "1:face book:1", "1:face/book:1", "1:face@book:1", "1:face:book:1:2",
        "1:café:1", "1:\u0000:1", "1:direct\u0000:1", "1:direct:1\u0000", "\u0000:direct:1",
        "١٢:direct:1",                        // Arabic-Indic digits
        "1:direct:١",
        "１２:direct:1",                        // fullwidth digits
        "1:direct:２",
        "1:dïrect:1",
        // A participant who invited themselves: the code contradicts itself.
        "1:direct:2:2", "12:facebook:345:345", "1:direct:9223372036854775807:9223372036854775807"}) {
      codes.add(b64(m));
      codes.add(Base64.getUrlEncoder().withoutPadding().encodeToString(m.getBytes(StandardCharsets.UTF_8)));
    }
    // Bytes that are not UTF-8 at all, or UTF-8 spelled too long.
    codes.add(Base64.getEncoder().encodeToString(new byte[] {'1', ':', (byte) 0xC3, (byte) 0x28, ':', '1'}));
    codes.add(Base64.getEncoder().encodeToString(new byte[] {'1', ':', 'a', ':', (byte) 0xC0, (byte) 0xB1}));
    codes.add(Base64.getEncoder().encodeToString(new byte[] {'1', ':', 'a', ':', (byte) 0xFF, '1'}));
    codes.add(Base64.getEncoder().encodeToString(new byte[] {'1', ':', 'a', ':', (byte) 0xED, (byte) 0xA0,
        (byte) 0x80}));
    // A message longer than any valid one, though the code is within MAX_LENGTH.
    codes.add(b64("1:direct:1:" + "9".repeat(300)));
    codes.add(Base64.getEncoder().encodeToString(new byte[LegacyCodes.MAX_LENGTH / 4 * 3]));
    return codes.stream();
  }

  @ParameterizedTest
  @MethodSource("malformedCorpus")
  void malformedCodesAreValidationErrorsOnCodeOnly(String code) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> LegacyCodes.decode(code));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("code", e.field().orElseThrow());
    assertFalse(code.length() > 3 && e.getMessage().contains(code), "the message must not echo the code");
  }

  @Test
  void nullIsAValidationErrorOnCode() {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> LegacyCodes.decode(null));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("code", e.field().orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"1", "a", "direct", "Face_Book.com-2", "-", "."})
  void socialTypesOfTheAllowedAlphabetRoundTrip(String type) {
    assertEquals(type, LegacyCodes.decode(LegacyCodes.encode(5, type, 6, null)).socialType());
    assertTrue(LegacyCodes.isSocialType(type));
  }

  @Test
  void lengthIsCheckedBeforeDecoding() {
    // A valid code padded past the limit with characters decode would skip is refused on length alone.
    String tooLong = b64("1:direct:1").replace("==", "") + "A".repeat(LegacyCodes.MAX_LENGTH);
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> LegacyCodes.decode(tooLong));
    assertTrue(e.getMessage().contains(String.valueOf(LegacyCodes.MAX_LENGTH)), e.getMessage());
  }

  // ==================================================================== round trip

  @Test
  void decodeOfEncodeIsIdentityForRandomCodes() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    try {
      for (int run = 0; run < 10_000; run++) {
        long campaign = randomId(random);
        long participant = randomId(random);
        Long invited = randomInvited(random, participant);
        String type = randomSocialType(random);
        DecodedCode expected = new DecodedCode(CodeKind.LEGACY, campaign, type, participant, invited);
        String code = LegacyCodes.encode(campaign, type, participant, invited);
        assertEquals(expected, LegacyCodes.decode(code), code);
        byte[] message = Base64.getUrlDecoder().decode(code);
        assertEquals(expected, LegacyCodes.decode(Base64.getEncoder().encodeToString(message)), "standard, padded");
        assertFalse(ShortCodes.looksShort(code), "a legacy code never looks short: " + code);
        assertFalse(SignedCodes.looksSigned(code));
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("LegacyCodesTest failed for seed " + seed + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  /** Ids of every magnitude, from 1 to {@link Long#MAX_VALUE}. */
  static long randomId(SplittableRandom random) {
    return switch (random.nextInt(4)) {
      case 0 -> 1 + random.nextLong(1_000);
      case 1 -> Long.MAX_VALUE - random.nextLong(1_000);
      case 2 -> 1 + random.nextLong(Long.MAX_VALUE);
      default -> 1 + random.nextLong(1L << (1 + random.nextInt(62)));
    };
  }

  /** Half the time none, else an id as {@link #randomId} other than {@code participant}'s. */
  static Long randomInvited(SplittableRandom random, long participant) {
    if (random.nextBoolean()) {
      return null;
    }
    long invited = randomId(random);
    // A participant never invites themselves (such a code is refused).
    return invited != participant ? invited : participant == 1 ? 2 : participant - 1;
  }

  static String randomSocialType(SplittableRandom random) {
    int length = random.nextInt(4) == 0 ? 1 + random.nextInt(32) : 1 + random.nextInt(10);
    StringBuilder type = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      type.append(SOCIAL.charAt(random.nextInt(SOCIAL.length())));
    }
    return type.toString();
  }

  // ==================================================================== helpers

  private static DecodedCode expected(String message) {
    String[] parts = message.split(":");
    return new DecodedCode(CodeKind.LEGACY, Long.parseLong(parts[0]), parts[1], Long.parseLong(parts[2]),
        parts.length == 4 ? Long.valueOf(parts[3]) : null);
  }

  private static String mixAlphabets() {
    for (int i = 0; i < 100_000; i++) {
      byte[] m = ascii(i + ":a" + "~?".repeat(1 + i % 5) + ":" + (i + 1));
      String std = Base64.getEncoder().withoutPadding().encodeToString(m);
      int plus = Math.max(std.indexOf('+'), std.indexOf('/'));
      int lastPlus = Math.max(std.lastIndexOf('+'), std.lastIndexOf('/'));
      if (plus >= 0 && lastPlus != plus) {
        // Two distinguishing characters: turn the second into its URL-safe twin.
        char twin = std.charAt(lastPlus) == '+' ? '-' : '_';
        return std.substring(0, lastPlus) + twin + std.substring(lastPlus + 1);
      }
    }
    throw new AssertionError("no message with two distinguishing characters found");
  }

  private static String flipLastBits(String code) {
    String trimmed = code.replace("=", "");
    char last = trimmed.charAt(trimmed.length() - 1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char flipped = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    return trimmed.substring(0, trimmed.length() - 1) + flipped + code.substring(trimmed.length());
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String b64(String message) {
    return Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8));
  }
}
