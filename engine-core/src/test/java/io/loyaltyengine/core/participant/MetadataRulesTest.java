package io.loyaltyengine.core.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataRulesTest {
  private final EngineLimits limits = EngineLimits.builder().maxMetadataKeys(3).maxMetadataKeyLength(8)
      .maxMetadataValueLength(10).build();

  @Test
  void numbersAreNormalizedToLongAndDouble() {
    Map<String, Object> m = MetadataRules.validate(Map.of("i", 7, "s", (short) 2, "f", 1.5f), limits);
    assertEquals(Map.of("i", 7L, "s", 2L, "f", 1.5d), m);
  }

  @Test
  void mergeAddsReplacesAndRemovesOnNull() {
    Map<String, Object> patch = new HashMap<>();
    patch.put("a", "new");
    patch.put("b", null);
    patch.put("c", true);
    Map<String, Object> merged = MetadataRules.merge(Map.of("a", "old", "b", 1L), patch, limits);
    assertEquals(Map.of("a", "new", "c", true), merged);
  }

  @Test
  void nestedAndUnsupportedValuesNameTheKey() {
    assertField("metadata.n", Map.of("n", Map.of("x", 1)));
    assertField("metadata.l", Map.of("l", List.of(1)));
    assertField("metadata.d", Map.of("d", new BigDecimal("1.10")));
    assertField("metadata.x", Map.of("x", Double.NaN));
    assertField("metadata.v", Map.of("v", "12345678901"));
    assertField("metadata.z", Map.of("z", "a\u0000b"));
  }

  @Test
  void keyLimitsAndCountAreEnforced() {
    assertField("metadata", Map.of("k".repeat(9), 1));
    assertField("metadata", Map.of("", 1));
    assertField("metadata", Map.of("a", 1, "b", 2, "c", 3, "d", 4));
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> MetadataRules.merge(Map.of("a", 1L, "b", 2L, "c", 3L), Map.of("d", 4), limits));
    assertEquals("metadata", e.field().orElseThrow());
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void aKeyOfAnotherTypeInARawMapIsAValidationErrorNotACast() {
    Map raw = new java.util.HashMap();
    raw.put(7, "seven");
    assertField("metadata", (Map<String, ?>) raw);
    LoyaltyException e = assertThrows(LoyaltyException.class,
        () -> MetadataRules.merge(Map.of(), (Map<String, ?>) raw, limits));
    assertEquals("metadata", e.field().orElseThrow());
  }

  private void assertField(String field, Map<String, ?> metadata) {
    LoyaltyException e = assertThrows(LoyaltyException.class, () -> MetadataRules.validate(metadata, limits));
    assertEquals(field, e.field().orElseThrow());
  }
}
