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
