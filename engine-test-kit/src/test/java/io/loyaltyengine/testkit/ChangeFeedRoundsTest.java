package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import org.junit.jupiter.api.Test;

/**
 * When committed events reach the change feed: a round positions at most {@link EventSettings#batchSize()} of a
 * tenant's events, so a backlog larger than that takes several rounds (ChangeFeed's javadoc said one round), each
 * picking up where the last stopped and none passing an event.
 */
class ChangeFeedRoundsTest {
  @Test
  void aRoundPositionsAtMostABatchOfATenantsEventsAndTheNextRoundsTheRest() {
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .events(EventSettings.builder().manualDispatch().batchSize(2).build())
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Rounds")).id());
      long brand = scope.brands().create(new NewBrand("Rounds", "rounds.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Rounds")).id();
      ParticipantRef ref = ParticipantRef.id(
          scope.participants().create(campaign, NewParticipant.withEmail("r@example.com")).id());
      for (int i = 0; i < 4; i++) {
        scope.points().award(ref, PointsChange.of(1 + i, "purchase"));
      }

      assertEquals(2, engine.events().dispatch().positioned());
      assertEquals(2, scope.changeFeed().read(0, EventFilter.all(), 100).events().size(), "a batch after a round");
      assertEquals(2, engine.events().dispatch().positioned());
      assertEquals(1, engine.events().dispatch().positioned());
      assertEquals(0, engine.events().dispatch().positioned());
      var all = scope.changeFeed().read(0, EventFilter.all(), 100).events();
      assertEquals(5, all.size(), "the enrolment and the four awards, after three rounds");
      for (int i = 0; i < all.size(); i++) {
        assertEquals(i + 1, all.get(i).position());
        assertEquals(i + 1, all.get(i).sequence(), "in the participant's order");
      }
    }
  }
}
