package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonValuesTest {

  /**
   * {@link JsonValues#object(String)} documents an IllegalArgumentException for JSON that repeats a key, and an
   * UncheckedIOException only for text that is not JSON.
   */
  @Test
  void aRepeatedKeyIsIllegalArgumentAsDocumented() {
    assertThrows(IllegalArgumentException.class, () -> JsonValues.object("{\"a\":1,\"a\":2}"));
    assertThrows(IllegalArgumentException.class, () -> JsonValues.object("{\"o\":{\"k\":1,\"k\":1}}"));
  }
}
