package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The change feed follows each participant's commit order even when the events come from instances whose clocks
 * disagree: event ids are time-ordered per instance, so a participant's later event may have the smaller id, and
 * positions follow its sequence (taken under the participant's row lock), not its id.
 */
class FeedOrderAcrossInstancesTest {
  @Test
  void aParticipantsEventsArePositionedInSequenceOrderWhateverTheirIds() {
    SettableClock ahead = SettableClock.at(Instant.parse("2030-01-01T00:00:10Z"));
    SettableClock behind = SettableClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    EventSettings manual = EventSettings.builder().manualDispatch().build();
    try (LoyaltyEngine fast = LoyaltyEngine.builder().storage(database.openStorage()).clock(ahead).nodeId(1)
            .events(manual).build();
        LoyaltyEngine slow = LoyaltyEngine.builder().storage(database.openStorage()).clock(behind).nodeId(2)
            .events(manual).build()) {
      long tenant = slow.tenants().create(NewTenant.business("Clocks")).id();
      TenantScope onSlow = slow.forTenant(tenant);
      long campaign = onSlow.campaigns().create(NewCampaign.running(
          onSlow.brands().create(new NewBrand("Clocks", "clocks.example.com")).id(), "Clocks")).id();
      long p = onSlow.participants().create(campaign, NewParticipant.withEmail("p@example.com")).id();
      long q = onSlow.participants().create(campaign, NewParticipant.withEmail("q@example.com")).id();
      for (int round = 0; round < 3; round++) {
        // Each award from the instance ahead commits first, and gets the larger id.
        fast.forTenant(tenant).points().award(ParticipantRef.id(p), PointsChange.of(1, "purchase"));
        onSlow.points().award(ParticipantRef.id(p), PointsChange.of(1, "purchase"));
        onSlow.points().award(ParticipantRef.id(q), PointsChange.of(1, "purchase"));
      }
      slow.events().dispatch();

      List<LoyaltyEvent> feed = onSlow.changeFeed().read(0, EventFilter.all(), 100).events();
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), sequences(feed, p), "p's events in commit order");
      assertEquals(List.of(1L, 2L, 3L, 4L), sequences(feed, q));
      for (int i = 1; i < feed.size(); i++) {
        assertEquals(feed.get(i - 1).position() + 1, feed.get(i).position(), "positions without gaps");
      }
    }
  }

  private static List<Long> sequences(List<LoyaltyEvent> feed, long participant) {
    return feed.stream().filter(e -> Objects.equals(e.participantId(), participant))
        .map(LoyaltyEvent::sequence).toList();
  }
}
