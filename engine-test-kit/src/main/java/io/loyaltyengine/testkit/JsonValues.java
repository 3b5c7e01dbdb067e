package io.loyaltyengine.testkit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JSON the engine wrote (a webhook body, an event's payload) into plain Java values (objects as
 * insertion-ordered maps, arrays as lists, integers as {@link Long}, other numbers as {@link Double}) with Jackson's
 * streaming parser, so that tests check the JSON a receiver gets independently of how the engine wrote it. Rejects
 * trailing content and duplicate keys. Thread-safe: stateless.
 */
public final class JsonValues {
  private static final JsonFactory FACTORY = new JsonFactory();

  private JsonValues() {
  }

  /**
   * The JSON object in {@code json}.
   *
   * @param json a JSON object
   * @return its keys and values, in the order written
   * @throws IllegalArgumentException if {@code json} is not one JSON object, or repeats a key
   * @throws UncheckedIOException if it is not JSON
   */
  public static Map<String, Object> object(String json) {
    return object(json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The JSON object in {@code body} (UTF-8).
   *
   * @param body a JSON object, in UTF-8
   * @return its keys and values, in the order written
   * @throws IllegalArgumentException if {@code body} is not one JSON object, or repeats a key
   * @throws UncheckedIOException if it is not JSON
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(byte[] body) {
    try (JsonParser p = FACTORY.createParser(body)) {
      Object value = value(p, p.nextToken());
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after the JSON value");
      }
      if (!(value instanceof Map)) {
        throw new IllegalArgumentException("the body is not a JSON object");
      }
      return (Map<String, Object>) value;
    } catch (IOException e) {
      throw new UncheckedIOException("the body is not valid JSON", e);
    }
  }

  /**
   * The value at a path of object keys, for example {@code at(json, "data", "entry", "amount")}.
   *
   * @param json an object read by {@link #object}
   * @param path the keys, outermost first
   * @return the value there (null for a JSON null)
   * @throws AssertionError if a key is missing or a value on the way is not an object
   */
  @SuppressWarnings("unchecked")
  public static Object at(Map<String, Object> json, String... path) {
    Object current = json;
    for (String key : path) {
      if (!(current instanceof Map)) {
        throw new AssertionError("no object at " + key + " in " + String.join(".", path));
      }
      Map<String, Object> map = (Map<String, Object>) current;
      if (!map.containsKey(key)) {
        throw new AssertionError("missing key " + String.join(".", path));
      }
      current = map.get(key);
    }
    return current;
  }

  private static Object value(JsonParser p, JsonToken token) throws IOException {
    if (token == null) {
      throw new IllegalArgumentException("empty body");
    }
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          if (map.containsKey(name)) {
            // Valid JSON, but not an object a test can compare: refused as documented, not as unreadable text.
            throw new IllegalArgumentException("the JSON repeats the key \"" + name + "\" in one object");
          }
          map.put(name, value(p, p.nextToken()));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          list.add(value(p, t));
        }
        return list;
      }
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT -> {
        return p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> {
        return p.getDoubleValue();
      }
      case VALUE_TRUE -> {
        return Boolean.TRUE;
      }
      case VALUE_FALSE -> {
        return Boolean.FALSE;
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new IllegalArgumentException("unexpected JSON token " + token);
    }
  }
}
