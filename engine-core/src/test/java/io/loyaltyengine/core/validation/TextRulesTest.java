package io.loyaltyengine.core.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextRulesTest {
  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t \u2003", "\u00a0", "\u00a0 \u202f", "\u2007\u3000"})
  void blankTextIsRefusedNamingTheField(String value) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> TextRules.required("description", value, 10));
    assertEquals(ErrorCode.VALIDATION_ERROR, e.code());
    assertEquals("description", e.field().orElseThrow());
    assertEquals("description must not be blank", e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u200b", "\u200b \u2060", "\ufeff", "\u00ad", "\u3164", "\u200d\u00a0\ufe0f"})
  void textDrawnAsNothingIsBlank(String value) {
    // A name of zero-width spaces, joiners or fillers shows as empty in every list a host draws.
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> TextRules.required("name", value, 10));
    assertEquals("name must not be blank", e.getMessage());
  }

  @Test
  void textWithOneDrawnCharacterIsNotBlank() {
    assertEquals("\u200bA\u200d", TextRules.required("name", "\u200bA\u200d", 10));
    // U+1FAE0 is unassigned in Java 17's Unicode tables but drawn by today's systems: a name, not blank.
    assertEquals("\ud83e\udee0", TextRules.required("name", "\ud83e\udee0", 10));
  }

  @Test
  void textIsStrippedOfSurroundingWhitespace() {
    assertEquals("tea", TextRules.required("description", " \ttea\n ", 10));
    assertEquals("\u00a0tea", TextRules.required("description", "\u00a0tea", 10), "String.strip keeps no-break spaces");
    assertNull(TextRules.optional("description", null, 10));
    assertEquals("", TextRules.clearable("description", "", 10));
  }

  @Test
  void lengthIsCountedInCodePoints() {
    assertEquals("\ud83c\udf75".repeat(3), TextRules.required("description", "\ud83c\udf75".repeat(3), 3));
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> TextRules.required("description", "\ud83c\udf75".repeat(4), 3));
    assertEquals("description must be at most 3 characters", e.getMessage());
  }
}
