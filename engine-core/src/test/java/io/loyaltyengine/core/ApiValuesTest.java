package io.loyaltyengine.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyException;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Values of engine-api that hosts build themselves (its module has no tests of its own). */
class ApiValuesTest {
  @Test
  void aResponseBodyListsCodeMessageAndFieldInThatOrder() {
    Map<String, Object> body = LoyaltyException.validation("email", "email is not an address").toResponseBody();
    @SuppressWarnings("unchecked")
    Map<String, Object> error = (Map<String, Object>) body.get("error");
    assertEquals(List.of("code", "message", "field"), List.copyOf(error.keySet()));
    assertEquals(List.of("VALIDATION_ERROR", "email is not an address", "email"), List.copyOf(error.values()));
    assertThrows(UnsupportedOperationException.class, () -> error.put("field", "other"));
    assertEquals(List.of("code", "message"), List.copyOf(((Map<?, ?>) LoyaltyException.notFound("participant")
        .toResponseBody().get("error")).keySet()));
  }

  @Test
  void anExceptionWithoutAMessageIsRefusedWhenMadeNotWhenAnswered() {
    assertThrows(NullPointerException.class, () -> new LoyaltyException(ErrorCode.CONFLICT, null, null));
    assertThrows(NullPointerException.class, () -> new LoyaltyException(ErrorCode.CONFLICT, null, null, null));
    assertThrows(NullPointerException.class, () -> new LoyaltyException(null, null, "message"));
  }

  @Test
  void aFilterOfTypesNamedTwiceHoldsEachOnce() {
    EventFilter filter = EventFilter.types(EventType.PARTICIPANT_CREATED, EventType.PARTICIPANT_CREATED);
    assertEquals(Set.of(EventType.PARTICIPANT_CREATED), filter.types());
    assertEquals(filter, new EventFilter(Set.of(EventType.PARTICIPANT_CREATED), null));
  }
}
