package io.loyaltyengine.core.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.participant.ParticipantUpdate;
import io.loyaltyengine.rewards.LoyaltyAction;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The requests that carry metadata are immutable, as their javadoc says: each keeps a copy of the caller's map, which
 * cannot be changed through the request, and keeps null values (an update's way to remove a key; the engine's
 * validation, not the constructor, refuses them elsewhere).
 */
class RequestMetadataTest {
  @Test
  void aNewParticipantKeepsACopyOfItsMetadata() {
    Map<String, Object> given = given();
    NewParticipant request = NewParticipant.withEmail("a@example.com").withMetadata(given);
    given.put("added", 1);
    assertCopied(request.metadata());
  }

  @Test
  void aLoyaltyActionKeepsACopyOfItsMetadata() {
    Map<String, Object> given = given();
    LoyaltyAction action = LoyaltyAction.of(ParticipantRef.id(1), 2).withMetadata(given);
    given.put("added", 1);
    assertCopied(action.metadata());
  }

  @Test
  void aParticipantUpdateKeepsACopyOfItsMetadata() {
    Map<String, Object> given = given();
    ParticipantUpdate update = ParticipantUpdate.builder().metadata(given).build();
    given.put("added", 1);
    assertCopied(update.metadata());
  }

  private static Map<String, Object> given() {
    Map<String, Object> given = new HashMap<>();
    given.put("tier", "gold");
    given.put("gone", null);
    return given;
  }

  private static void assertCopied(Map<String, Object> kept) {
    Map<String, Object> expected = new HashMap<>();
    expected.put("tier", "gold");
    expected.put("gone", null);
    assertEquals(expected, kept);
    assertThrows(UnsupportedOperationException.class, () -> kept.put("tier", "silver"));
  }
}
