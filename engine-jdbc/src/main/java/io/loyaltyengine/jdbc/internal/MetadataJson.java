package io.loyaltyengine.jdbc.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.loyaltyengine.core.spi.StorageException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Metadata of participants and of loyalty actions as a JSON object. Values are String, Long, Double or Boolean (the
 * engine validated them); integral JSON numbers are read back as Long and the others as Double, so a round trip is
 * exact: a Double is always written with a fraction or an exponent ({@code 1.0}, {@code 1.0E20}), a Long never.
 *
 * <p>Thread-safe: the mapper is configured once and never changed.
 */
final class MetadataJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_LONG_FOR_INTS)
      .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();
  /** Reads a metadata map; made once, since resolving the target type per call showed in the award's profile. */
  private static final ObjectReader READER = MAPPER.readerFor(new TypeReference<LinkedHashMap<String, Object>>() {
  });
  /** The text of empty metadata, as written and as PostgreSQL's json type keeps it. */
  private static final String EMPTY = "{}";

  private MetadataJson() {
  }

  /** The JSON text of {@code metadata}, keys sorted so equal maps give equal text. */
  static String write(Map<String, Object> metadata) {
    try {
      return MAPPER.writeValueAsString(metadata == null ? Map.of() : new TreeMap<>(metadata));
    } catch (JsonProcessingException e) {
      // The message of e could quote a value: the cause keeps where it failed, not what it said.
      throw new StorageException("metadata could not be written as JSON", SqlErrors.redacted(e));
    }
  }

  /** The map of the JSON text {@code json}. */
  static Map<String, Object> read(String json) {
    if (json == null || json.isEmpty() || json.equals(EMPTY)) {
      return Map.of();
    }
    try {
      Map<String, Object> map = READER.readValue(json);
      return map == null ? Map.of() : map;
    } catch (JsonProcessingException e) {
      throw new StorageException("metadata stored in the database is not a JSON object", SqlErrors.redacted(e));
    }
  }
}
