package io.loyaltyengine.core.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.core.spi.DeliveryPort;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which of the endpoints this instance has paused its claim skips: all of them up to the claim's bound
 * ({@link DeliveryPort#MAX_SKIPPED_SUBSCRIBERS}); beyond it, those whose pause ends first, whose deliveries a lease
 * taken now would hold longest after the pause (the others' are claimed and left leased, as before the claim skipped
 * any), ties by name so that a round's choice does not depend on a map's order.
 */
class SkippedInClaimTest {
  private static final Instant NOW = Instant.parse("2025-03-01T10:15:30Z");

  @Test
  void upToTheBoundEveryPausedEndpointIsSkipped() {
    Map<String, Instant> paused = new HashMap<>();
    for (int i = 0; i < DeliveryPort.MAX_SKIPPED_SUBSCRIBERS; i++) {
      paused.put("webhook:" + i, NOW.plusSeconds(1 + i % 300));
    }
    Set<String> skipped = EventDispatcher.skippedInClaim(paused, DeliveryPort.MAX_SKIPPED_SUBSCRIBERS);
    assertTrue(paused.keySet().equals(skipped), "all " + paused.size() + " skipped, not " + skipped.size());
    assertEquals(Set.of(), EventDispatcher.skippedInClaim(Map.of(), DeliveryPort.MAX_SKIPPED_SUBSCRIBERS));
  }

  @Test
  void beyondTheBoundThoseWhosePauseEndsFirstAreSkippedTiesByName() {
    Map<String, Instant> paused = Map.of(
        "webhook:1", NOW.plusSeconds(300),
        "webhook:2", NOW.plusSeconds(5),
        "webhook:3", NOW.plusSeconds(60),
        "webhook:4", NOW.plusSeconds(5),
        "webhook:5", NOW.plusSeconds(299));
    assertEquals(Set.of("webhook:2", "webhook:4", "webhook:3"), EventDispatcher.skippedInClaim(paused, 3));
    assertEquals(Set.of("webhook:2"), EventDispatcher.skippedInClaim(paused, 1));
    assertEquals(paused.keySet(), EventDispatcher.skippedInClaim(paused, 5));
  }
}
