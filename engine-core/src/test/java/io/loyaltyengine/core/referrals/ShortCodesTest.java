package io.loyaltyengine.core.referrals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ShortCodesTest {
  /** A generator whose bounded ints are always {@code value}, to pin the digits. */
  private static RandomGenerator always(int value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException("only nextInt(bound) is used");
      }

      @Override
      public int nextInt(int bound) {
        return value % bound;
      }
    };
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "Gavin | GAVIN",
      "gavin | GAVIN",
      "Zoë | ZOE",
      "José | JOSE",
      "Ångström | ANGSTROM",
      "Straße | STRASSE",
      "Łukasz | LUKASZ",
      "Ærøskøbing | AEROSKOB",
      "Þórr | THORR",
      "Đorđe | DORDE",
      "Maximilian-Alexander | MAXIMILI",
      "O'Brien | OBRIEN",
      "Mary Ann | MARYANN",
      "Ｊｏｅ | JOE",
      "ﬁona | FIONA",
      "Nguyễn | NGUYEN",
      "Anne-Marie2 | ANNEMARI",
      "R2-D2 | RD",
  })
  void lettersComeFromTheFirstNameFoldedToAscii(String name, String letters) {
    assertEquals(letters + "42", ShortCodes.candidate(name, 0, always(42)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "李小龙", "Алексей", "123", "😀", "-'.", "\u0301\u0301"})
  void namesWithoutLatinLettersFallBackToFriend(String name) {
    assertEquals("FRIEND07", ShortCodes.candidate(name, 0, always(7)));
  }

  @Test
  void aMissingNameFallsBackToFriend() {
    assertEquals("FRIEND99", ShortCodes.candidate(null, 4, always(99)));
  }

  @Test
  void digitsWidenWithAttemptsAndKeepLeadingZeros() {
    for (int attempt = 0; attempt <= 4; attempt++) {
      assertEquals("GAVIN07", ShortCodes.candidate("Gavin", attempt, always(7)));
    }
    for (int attempt = 5; attempt <= 9; attempt++) {
      assertEquals("GAVIN0007", ShortCodes.candidate("Gavin", attempt, always(7)));
    }
    assertEquals("GAVIN000007", ShortCodes.candidate("Gavin", 10, always(7)));
    assertEquals("GAVIN123456", ShortCodes.candidate("Gavin", 1_000, always(123_456)));
    assertEquals("GAVIN99", ShortCodes.candidate("Gavin", 0, always(99)));
  }

  @Test
  void everyCandidateLooksShortAndIsItsOwnNormalForm() {
    long seed = Long.getLong("loyalty.seed", System.nanoTime());
    SplittableRandom random = new SplittableRandom(seed);
    String[] names = {"Gavin", "Zoë", null, "", "Maximilian", "李", "Ærøskøbing", "A", "Jo"};
    Set<String> seen = new HashSet<>();
    try {
      for (int i = 0; i < 2_000; i++) {
        int attempt = random.nextInt(15);
        String code = ShortCodes.candidate(names[random.nextInt(names.length)], attempt, random);
        int digits = attempt < 5 ? 2 : attempt < 10 ? 4 : 6;
        assertTrue(code.matches("[A-Z]{1,8}[0-9]{" + digits + "}"), code);
        assertTrue(ShortCodes.looksShort(code), code);
        assertEquals(code, ShortCodes.normalize(code));
        assertFalse(SignedCodes.looksSigned(code));
        assertThrows(LoyaltyException.class, () -> LegacyCodes.decode(code), "a short code is never a legacy one");
        seen.add(code);
      }
      assertTrue(seen.size() > 500, "the digits vary: " + seen.size());
    } catch (AssertionError | RuntimeException e) {
      System.err.println("ShortCodesTest failed for seed " + seed + "; replay with -Dloyalty.seed=" + seed);
      throw e;
    }
  }

  @Test
  void veryLongNamesCostLittle() {
    assertEquals("ABCDEFGH00", ShortCodes.candidate("Abcdefgh".repeat(100_000), 0, always(0)));
    assertEquals("FRIEND00", ShortCodes.candidate("\ud83d\ude00".repeat(200_000), 0, always(0)));
  }

  @Test
  void candidateRefusesBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> ShortCodes.candidate("Gavin", -1, new SplittableRandom(1)));
    assertThrows(NullPointerException.class, () -> ShortCodes.candidate("Gavin", 0, null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"GAVIN42", "gavin42", "GaViN42", "A12", "FRIEND123456", "ABCDEFGHIJKL12", "ab1234"})
  void shortShapes(String code) {
    assertTrue(ShortCodes.looksShort(code));
    assertEquals(code.toUpperCase(java.util.Locale.ROOT), ShortCodes.normalize(code));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "A1", "GAVIN", "GAVIN4", "42", "1234", "GAVIN1234567", "ABCDEFGHIJKLM12",
      "GAV1N42", "GAVIN 42", " GAVIN42", "GAVIN42 ", "GÁVIN42", "GAVIN٤٢", "GAVIN４２", "ＧAVIN42", "r1.1.a.b",
      "GAVIN-42", "GAVIN42a", "ǅAVIN42", "ſAVIN42", "GAVIN\u000042", "GAVIN42\ud800", "MTpkaXJlY3Q6MQ"})
  void notShortShapes(String code) {
    assertFalse(ShortCodes.looksShort(code));
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> ShortCodes.normalize(code));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("code", e.field().orElseThrow());
  }

  @Test
  void nullIsNotShort() {
    assertFalse(ShortCodes.looksShort(null));
    assertThrows(LoyaltyException.class, () -> ShortCodes.normalize(null));
  }
}
