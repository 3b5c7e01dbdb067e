package io.loyaltyengine.testkit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.FeedPage;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.testkit.JsonValues;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The change feed of one scenario run's tenant, checked after every step against the events the model expects the
 * step to have written. The engine must dispatch manually: each check runs dispatch rounds until one is idle, so
 * that every committed event is positioned, then reads the feed on from the cursor of the last check.
 *
 * <p>With one engine the feed follows commit order, and a step writes its events in one unit of work, so the events
 * read must be exactly the expected ones in the order the model expected them: type, tenant, campaign, participant,
 * the participant's next sequence number, the time (when the model knows it), schema version 2, a new id, and the
 * payload, whose ids are all strings. An expected payload is a tree of values: a map is a JSON object that must have exactly those keys in that
 * order, a {@link Some} one that has at least its keys, a {@link Check} a condition on the value, anything else the
 * value itself (numbers as {@link Long}). Payloads are read by {@link JsonValues}, independently of how the engine
 * wrote them.
 *
 * <p>Not thread-safe: used by one run.
 */
final class ScenarioEvents {
  private static final int MAX_ROUNDS = 1_000;
  private static final int PAGE = 100;

  private final LoyaltyEngine engine;
  private final TenantScope scope;
  private final List<Expected> expected = new ArrayList<>();
  private final Map<Long, Long> sequences = new HashMap<>();
  private final Set<String> ids = new HashSet<>();
  private long cursor;
  private long lastPosition;

  ScenarioEvents(LoyaltyEngine engine, TenantScope scope) {
    this.engine = engine;
    this.scope = scope;
  }

  /**
   * The step is expected to write this event, after those expected before it.
   *
   * @param occurredAt the engine's clock at the change, or null if the model does not know it
   */
  void expect(EventType type, long campaignId, long participantId, Instant occurredAt, Map<String, Object> payload) {
    expected.add(new Expected(type, campaignId, participantId, occurredAt, payload));
  }

  /** Dispatches until idle and checks that the feed added exactly the expected events since the last check. */
  void check(String context) {
    dispatchUntilIdle(context);
    List<LoyaltyEvent> got = new ArrayList<>();
    while (true) {
      FeedPage page = scope.changeFeed().read(cursor, null, PAGE);
      got.addAll(page.events());
      cursor = page.nextPosition();
      if (page.events().isEmpty()) {
        break;
      }
    }
    List<Expected> wanted = List.copyOf(expected);
    expected.clear();
    assertEquals(wanted.stream().map(e -> e.type().wireName()).toList(),
        got.stream().map(e -> e.type().wireName()).toList(), () -> context + ": the events the step wrote");
    for (int i = 0; i < got.size(); i++) {
      LoyaltyEvent e = got.get(i);
      Expected w = wanted.get(i);
      String what = context + ": event " + i + " (" + w.type().wireName() + ")";
      assertEquals(scope.tenantId(), e.tenantId(), () -> what + ": tenant");
      assertEquals(w.campaignId(), e.campaignId(), () -> what + ": campaign");
      assertEquals(w.participantId(), e.participantId(), () -> what + ": participant");
      long sequence = sequences.merge(w.participantId(), 1L, Long::sum);
      assertEquals(sequence, e.sequence(), () -> what + ": the participant's next sequence number");
      if (w.occurredAt() != null) {
        assertEquals(w.occurredAt(), e.occurredAt(), () -> what + ": occurredAt, the engine's clock");
      }
      assertEquals(2, e.schemaVersion(), () -> what + ": schema version");
      assertTrue(e.id().startsWith("evt_") && ids.add(e.id()), () -> what + ": a new id, not " + e.id());
      assertTrue(e.position() > lastPosition, () -> what + ": growing positions");
      lastPosition = e.position();
      Map<String, Object> payload = JsonValues.object(e.payload());
      idsAreStrings(payload, what + ": payload");
      match(w.payload(), payload, what + ": payload");
    }
  }

  /**
   * Every field named {@code id} or ending in {@code Id}, at any depth, is a JSON string or null: ids are 64-bit and
   * above 2^53, which a JSON number read as a double (JavaScript's only number) cannot hold exactly.
   */
  @SuppressWarnings("unchecked")
  static void idsAreStrings(Object json, String path) {
    if (json instanceof Map<?, ?> object) {
      ((Map<String, Object>) object).forEach((k, v) -> {
        if (k.equals("id") || k.endsWith("Id")) {
          assertTrue(v == null || v instanceof String, () -> path + "." + k + ": an id as a string, not " + v);
        }
        if (!k.equals("metadata")) { // the host's own values, as the host gave them
          idsAreStrings(v, path + "." + k);
        }
      });
    } else if (json instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        idsAreStrings(list.get(i), path + "[" + i + "]");
      }
    }
  }

  private void dispatchUntilIdle(String context) {
    for (int i = 0; i < MAX_ROUNDS; i++) {
      if (engine.events().dispatch().isIdle()) {
        return;
      }
    }
    fail(context + ": dispatch still busy after " + MAX_ROUNDS + " rounds");
  }

  @SuppressWarnings("unchecked")
  private static void match(Object expected, Object actual, String path) {
    if (expected instanceof Map<?, ?> fields) {
      assertTrue(actual instanceof Map, () -> path + ": an object, not " + actual);
      Map<String, Object> object = (Map<String, Object>) actual;
      assertEquals(List.copyOf(fields.keySet()), List.copyOf(object.keySet()),
          () -> path + ": exactly the documented fields, in the documented order");
      fields.forEach((k, v) -> match(v, object.get((String) k), path + "." + k));
    } else if (expected instanceof Some some) {
      assertTrue(actual instanceof Map, () -> path + ": an object, not " + actual);
      Map<String, Object> object = (Map<String, Object>) actual;
      some.fields().forEach((k, v) -> {
        assertTrue(object.containsKey(k), () -> path + ": has " + k);
        match(v, object.get(k), path + "." + k);
      });
    } else if (expected instanceof Check check) {
      assertTrue(check.test().test(actual), () -> path + ": " + check.what() + ", not " + actual);
    } else {
      Object wanted = expected instanceof Integer n ? Long.valueOf(n) : expected;
      assertEquals(wanted, actual, path);
    }
  }

  /**
   * An ordered map of alternating keys and values, for an expected JSON object. The value of a key named {@code id}
   * or ending in {@code Id} given as a number is expected as its decimal string, as every id is on the wire.
   */
  static Map<String, Object> fields(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      String key = (String) keysAndValues[i];
      Object value = keysAndValues[i + 1];
      boolean id = key.equals("id") || key.endsWith("Id");
      map.put(key, id && (value instanceof Long || value instanceof Integer) ? value.toString() : value);
    }
    return map;
  }

  /** The ISO-8601 text of an instant, as payloads carry times; null for null. */
  static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  /** A JSON object of which only these fields are checked. */
  record Some(Map<String, Object> fields) {
    Some {
      fields = new LinkedHashMap<>(fields);
    }
  }

  /** A condition on a JSON value, described for the failure message. */
  record Check(String what, Predicate<Object> test) {
  }

  private record Expected(EventType type, long campaignId, long participantId, Instant occurredAt,
      Map<String, Object> payload) {
  }
}
