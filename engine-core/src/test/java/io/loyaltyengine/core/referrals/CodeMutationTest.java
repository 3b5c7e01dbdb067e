package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.spi.SigningKey;
import io.loyaltyengine.referrals.DecodedCode;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded random mutations of valid codes (flip, insert, delete, replace, truncate, duplicate, case-swap, a leading
 * zero after a separator; one to three at a time): decoding either returns a value or throws a VALIDATION_ERROR on {@code code}, never anything
 * else, and no mutated signed code ever verifies. Replay a failure with {@code -Dloyalty.seed=<n>}.
 */
class CodeMutationTest {
  private static final int RUNS = 10_000;
  /** Characters mutations insert: both base64 alphabets, padding, separators, and characters no code holds. */
  private static final String PALETTE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=.:~% "
      + "\u0000\t\n\u00e9\u00a0\u0661\uff11\ud800\udc00\u200b";

  @Test
  void mutatedLegacyCodesDecodeOrAreValidationErrors() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String mutated = null;
    try {
      int decoded = 0;
      for (int run = 0; run < RUNS; run++) {
        String original = legacyCode(random);
        mutated = mutate(original, random);
        DecodedCode value = outcome(LegacyCodes::decode, mutated);
        if (value != null) {
          decoded++;
          // Whatever decodes is a valid message: encoding it again decodes to the same value.
          assertEquals(value, LegacyCodes.decode(LegacyCodes.encode(value.campaignId(), value.socialType(),
              value.participantId(), value.invitedId())));
        }
        assertNeverThrows(mutated);
      }
      assertTrue(decoded < RUNS, "most mutations must be refused");
    } catch (AssertionError | RuntimeException e) {
      System.err.println("CodeMutationTest failed for seed " + seed + " on a mutated legacy code ("
          + describe(mutated) + "); replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  @Test
  void noMutatedSignedCodeEverVerifies() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    SignedCodes codes = new SignedCodes(3, List.of(new SigningKey(3, 1, secret, Instant.EPOCH),
        new SigningKey(3, 2, secret, Instant.EPOCH)));
    SignedCodes firstKeyOnly = new SignedCodes(3, List.of(new SigningKey(3, 1, secret, Instant.EPOCH)));
    String mutated = null;
    try {
      for (int run = 0; run < RUNS; run++) {
        long campaign = LegacyCodesTest.randomId(random);
        long participant = LegacyCodesTest.randomId(random);
        String original = (random.nextBoolean() ? codes : firstKeyOnly).issue(campaign, participant);
        mutated = mutate(original, random);
        DecodedCode value = outcome(codes::verify, mutated);
        if (value != null) {
          assertEquals(original, mutated, "only the issued string itself verifies");
          assertEquals(campaign, value.campaignId());
          assertEquals(participant, value.participantId());
        }
        outcome(LegacyCodes::decode, mutated);
        assertNeverThrows(mutated);
      }
    } catch (AssertionError | RuntimeException e) {
      System.err.println("CodeMutationTest failed for seed " + seed + " on a mutated signed code ("
          + describe(mutated) + "); replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  /** The syntactic tests and the short-code normal form take anything without an unexpected exception. */
  private static void assertNeverThrows(String code) {
    SignedCodes.looksSigned(code);
    SignedCodes.keyIdOf(code);
    if (ShortCodes.looksShort(code)) {
      assertTrue(ShortCodes.looksShort(ShortCodes.normalize(code)));
    } else {
      outcome(ShortCodes::normalize, code);
    }
  }

  /** The value, or null after a VALIDATION_ERROR on {@code code}; anything else fails the test. */
  private static <T> T outcome(Function<String, T> decoder, String code) {
    try {
      return decoder.apply(code);
    } catch (LoyaltyException e) {
      assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
      assertEquals("code", e.field().orElse(null));
      return null;
    } catch (RuntimeException e) {
      fail("decoding threw " + e, e);
      return null;
    }
  }

  private static String legacyCode(SplittableRandom random) {
    long campaign = LegacyCodesTest.randomId(random);
    long participant = LegacyCodesTest.randomId(random);
    Long invited = LegacyCodesTest.randomInvited(random, participant);
    String type = LegacyCodesTest.randomSocialType(random);
    String url = LegacyCodes.encode(campaign, type, participant, invited);
    byte[] message = Base64.getUrlDecoder().decode(url);
    return switch (random.nextInt(3)) {
      case 0 -> url;
      case 1 -> Base64.getEncoder().encodeToString(message);
      default -> Base64.getUrlEncoder().encodeToString(message);
    };
  }

  static String mutate(String code, SplittableRandom random) {
    String s = code;
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int at = s.isEmpty() ? 0 : random.nextInt(s.length());
      s = switch (random.nextInt(9)) {
        case 0 -> s.isEmpty() ? s : s.substring(0, at) + (char) (s.charAt(at) ^ (1 << random.nextInt(7)))
            + s.substring(at + 1);                                                      // flip a bit
        case 1 -> s.substring(0, at) + pick(random) + s.substring(at);                  // insert
        case 2 -> s.isEmpty() ? s : s.substring(0, at) + s.substring(at + 1);           // delete
        case 3 -> s.isEmpty() ? s : s.substring(0, at) + pick(random) + s.substring(at + 1); // replace
        case 4 -> s.substring(0, at);                                                   // truncate
        case 5 -> random.nextBoolean() ? s + s : s.substring(0, at) + s.substring(at / 2); // duplicate
        case 6 -> s.isEmpty() ? s : s.substring(0, at) + swapCase(s.charAt(at)) + s.substring(at + 1); // case-swap
        case 7 -> random.nextBoolean() ? s.toUpperCase(Locale.ROOT) : s.toLowerCase(Locale.ROOT);   // case-swap all
        default -> {                                                 // a leading zero after a separator
          int dot = s.indexOf('.', at);
          yield dot < 0 ? s : s.substring(0, dot + 1) + '0' + s.substring(dot + 1);
        }
      };
    }
    return s;
  }

  private static char pick(SplittableRandom random) {
    return PALETTE.charAt(random.nextInt(PALETTE.length()));
  }

  private static char swapCase(char c) {
    return Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
  }

  /** The mutated code as escaped code units, so a failure report shows control characters and surrogates. */
  private static String describe(String code) {
    if (code == null) {
      return "none";
    }
    StringBuilder out = new StringBuilder();
    for (char c : code.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return out.toString();
  }
}
