package io.loyaltyengine.core.participant;

import io.loyaltyengine.EngineLimits;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.core.validation.TextRules;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Participant metadata: a shallow map of scalar values.
 *
 * <p>Keys are 1..{@link EngineLimits#maxMetadataKeyLength()} code points without control characters. Values are
 * {@code String} (at most {@link EngineLimits#maxMetadataValueLength()} code points, no NUL or other control
 * characters but tab, CR and LF), {@code Boolean}, integral numbers ({@code Byte}, {@code Short}, {@code Integer},
 * {@code Long}; kept as {@code Long}) or finite floating-point numbers ({@code Float}, {@code Double}; kept as
 * {@code Double}). Anything else (nested maps, lists, arrays, {@code BigDecimal}, whose precision JSON storage
 * would not keep) is rejected. A map holds at most {@link EngineLimits#maxMetadataKeys()} keys.
 *
 * <p>Errors name the field {@code metadata.<key>} when the key itself is valid, {@code metadata} otherwise.
 *
 * <p>Thread-safe: stateless.
 */
public final class MetadataRules {
  private MetadataRules() {
  }

  /**
   * Validates the metadata of a new participant. A key mapped to null is ignored (there is nothing to remove).
   *
   * @return a normalized copy, never null
   */
  public static Map<String, Object> validate(Map<String, ?> metadata, EngineLimits limits) {
    Map<String, Object> result = new LinkedHashMap<>();
    if (metadata == null) {
      return result;
    }
    for (Map.Entry<String, ?> e : metadata.entrySet()) {
      String key = checkKey(e, limits);
      if (e.getValue() != null) {
        result.put(key, normalizeValue(key, e.getValue(), limits));
      }
    }
    checkSize(result, limits);
    return result;
  }

  /**
   * Merges a patch into existing metadata: new keys are added, existing keys replaced, keys mapped to null removed.
   *
   * @return the merged map; {@code existing} is not modified
   */
  public static Map<String, Object> merge(Map<String, Object> existing, Map<String, ?> patch, EngineLimits limits) {
    Map<String, Object> result = new LinkedHashMap<>(existing);
    for (Map.Entry<String, ?> e : patch.entrySet()) {
      String key = checkKey(e, limits);
      if (e.getValue() == null) {
        result.remove(key);
      } else {
        result.put(key, normalizeValue(key, e.getValue(), limits));
      }
    }
    checkSize(result, limits);
    return result;
  }

  private static void checkSize(Map<String, Object> result, EngineLimits limits) {
    if (result.size() > limits.maxMetadataKeys()) {
      throw LoyaltyException.validation("metadata",
          "metadata must have at most " + limits.maxMetadataKeys() + " keys");
    }
  }

  private static String checkKey(Map.Entry<String, ?> entry, EngineLimits limits) {
    // Read as an Object: a caller's raw map can hold keys of another type, which are refused, not cast.
    Object raw = ((Map.Entry<?, ?>) entry).getKey();
    if (raw != null && !(raw instanceof String)) {
      throw LoyaltyException.validation("metadata", "metadata keys must be strings");
    }
    String key = (String) raw;
    if (key == null || key.isEmpty()) {
      throw LoyaltyException.validation("metadata", "metadata keys must not be empty");
    }
    if (key.codePointCount(0, key.length()) > limits.maxMetadataKeyLength()) {
      throw LoyaltyException.validation("metadata",
          "metadata keys must be at most " + limits.maxMetadataKeyLength() + " characters");
    }
    TextRules.checkCharacters("metadata", key);
    return key;
  }

  private static Object normalizeValue(String key, Object value, EngineLimits limits) {
    String field = "metadata." + key;
    if (value instanceof String s) {
      checkString(field, s, limits);
      return s;
    }
    if (value instanceof Boolean) {
      return value;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw LoyaltyException.validation(field, field + " must be a finite number");
      }
      return d;
    }
    if (value instanceof Map || value instanceof Iterable || value.getClass().isArray()) {
      throw LoyaltyException.validation(field, field + " must be a string, number or boolean: nested values are "
          + "not allowed");
    }
    throw LoyaltyException.validation(field, field + " must be a string, number (integral or floating point) "
        + "or boolean");
  }

  private static void checkString(String field, String s, EngineLimits limits) {
    TextRules.checkLength(field, s, limits.maxMetadataValueLength());
    // A string value may span lines: tab, CR and LF are kept.
    TextRules.checkCharacters(field, s, true);
  }
}
