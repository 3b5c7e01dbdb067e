package io.loyaltyengine.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link ApiKeyFormat}: the form of keys, and the parser that refuses everything else. */
class ApiKeyFormatTest {
  private static final String SECRET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234";

  @Test
  void aNewKeyNamesItsIdsAndHas256RandomBits() {
    String key = ApiKeyFormat.newKey(12, 345);
    assertTrue(Pattern.matches("lek_12_345_[A-Za-z0-9_-]{43}", key), key);
    assertEquals(new ApiKeyFormat.KeyId(12, 345), ApiKeyFormat.parse(key));
    assertNotEquals(key, ApiKeyFormat.newKey(12, 345));
    assertEquals(key.substring(key.length() - 4), ApiKeyFormat.hint(key));
    assertEquals(64, ApiKeyFormat.hashHex(key).length());
    assertTrue(ApiKeyFormat.hashHex(key).matches("[0-9a-f]{64}"));
    String max = ApiKeyFormat.newKey(Long.MAX_VALUE, Long.MAX_VALUE);
    assertEquals(ApiKeyFormat.MAX_LENGTH, max.length());
    assertEquals(new ApiKeyFormat.KeyId(Long.MAX_VALUE, Long.MAX_VALUE), ApiKeyFormat.parse(max));
  }

  @Test
  void theSha256IsOfTheWholeKey() {
    // SHA-256("abc"), the FIPS 180-2 example.
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyFormat.hashHex("abc"));
  }

  @Test
  void anythingButTheExactFormIsMalformed() {
    assertEquals(new ApiKeyFormat.KeyId(1, 2), ApiKeyFormat.parse("lek_1_2_" + SECRET));
    for (String bad : List.of("", "lek_", "lek_1_2_", "LEK_1_2_" + SECRET, "lek-1_2_" + SECRET,
        "lek_01_2_" + SECRET, "lek_1_02_" + SECRET, "lek_0x1_2_" + SECRET, "lek_-1_2_" + SECRET,
        "lek_+1_2_" + SECRET, "lek__2_" + SECRET, "lek_1__" + SECRET, "lek_1_2" + SECRET,
        "lek_9223372036854775808_2_" + SECRET, "lek_1_9223372036854775808_" + SECRET,
        "lek_12345678901234567890_2_" + SECRET, "lek_1_2_" + SECRET.substring(1), "lek_1_2_" + SECRET + "A",
        "lek_1_2_" + SECRET.replace('a', '='), "lek_1_2_" + SECRET.replace('a', '+'),
        "lek_1_2_" + SECRET.replace('a', '/'), "lek_1_2_" + SECRET.replace('a', ' '),
        "lek_1_2_" + SECRET.replace('a', 'é'), "lek_1_2_" + SECRET.replace('a', '\u0000'),
        "lek_1_2_" + SECRET.replace("a", "\ud83d"), "lek_١_2_" + SECRET, " lek_1_2_" + SECRET,
        "lek_1_2_" + SECRET + " ", "lek_1_2_" + SECRET + "\n", "x".repeat(1_000_000))) {
      assertNull(ApiKeyFormat.parse(bad), bad.length() > 100 ? "a long text" : bad);
    }
    assertNull(ApiKeyFormat.parse(null));
  }
}
