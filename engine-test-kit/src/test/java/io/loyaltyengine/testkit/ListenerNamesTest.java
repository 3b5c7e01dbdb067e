package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.Events;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What {@link Events} documents for listener names at run time: 1..64 of {@code a-z A-Z 0-9 _ - .}, a name taken on
 * the engine is a CONFLICT until it is unsubscribed, and every method taking a name refuses a malformed one with
 * VALIDATION_ERROR on {@code name} ({@code replay} also on {@code eventId}). The builder's side is EngineBuilderTest's.
 */
class ListenerNamesTest {
  private static final EventListener NOTHING = event -> { };

  private final LoyaltyEngine engine = LoyaltyEngine.builder()
      .storage(InMemoryStorage.newDatabase().openStorage())
      .events(EventSettings.builder().manualDispatch().build())
      .build();

  @AfterEach
  void close() {
    engine.close();
  }

  @Test
  void aNameOfSixtyFourOfTheAllowedCharactersIsTakenAndALongerOrOtherOneIsRefusedOnName() {
    Events events = engine.events();
    events.subscribe("aZ09_-." + "x".repeat(57), EventFilter.all(), NOTHING);
    for (String bad : new String[] {"", "x".repeat(65), "has space", "slash/", "é", null}) {
      assertRefused(ErrorCode.VALIDATION_ERROR, "name", () -> events.subscribe(bad, EventFilter.all(), NOTHING));
      assertRefused(ErrorCode.VALIDATION_ERROR, "name", () -> events.unsubscribe(bad));
      assertRefused(ErrorCode.VALIDATION_ERROR, "name", () -> events.parked(bad, Keyset.first(10)));
      assertRefused(ErrorCode.VALIDATION_ERROR, "name", () -> events.replay(bad, 1, "evt_1"));
    }
    assertRefused(ErrorCode.VALIDATION_ERROR, "eventId", () -> events.replay("ok", 1, "evt_01"));
    assertRefused(ErrorCode.VALIDATION_ERROR, "page", () -> events.parked("ok", null));
    assertRefused(ErrorCode.VALIDATION_ERROR, "listener", () -> events.subscribe("ok", EventFilter.all(), null));
    assertFalse(events.replay("ok", 1, "evt_1"), "nothing parked for a well-formed name and id");
  }

  @Test
  void aTakenNameIsAConflictUntilItIsUnsubscribed() {
    Events events = engine.events();
    events.subscribe("orders", EventFilter.all(), NOTHING);
    assertRefused(ErrorCode.CONFLICT, "name", () -> events.subscribe("orders", EventFilter.all(), NOTHING));
    events.unsubscribe("orders");
    events.subscribe("orders", EventFilter.all(), NOTHING);
    events.unsubscribe("never-registered"); // well-formed but unknown: nothing to remove, no error
  }

  private static void assertRefused(ErrorCode code, String field, Executable call) {
    LoyaltyException e = assertThrows(LoyaltyException.class, call);
    assertEquals(code, e.code(), e.toString());
    assertEquals(Optional.of(field), e.field(), e.toString());
  }
}
