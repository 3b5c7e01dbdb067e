package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.webhooks.WebhookSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * One lease covers a round's claimed batch, whose deliveries run one after another: a delivery starts only while half
 * the lease is left, so that a slow call cannot push the next one past the lease, where another instance may claim
 * it again and the two overlap. The rest wait for their lease to run out and are claimed again.
 */
class DeliveryLeaseTest {
  @Test
  void aDeliveryStartsOnlyWhileHalfTheLeaseIsLeftAndTheRestAreClaimedAgainLater() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    Duration lease = Duration.ofSeconds(10);
    List<Long> delivered = new CopyOnWriteArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(lease).build())
        // No webhooks here; their timeouts only have to fit the short lease (build() checks).
        .webhooks(WebhookSettings.DEFAULTS.withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(4)))
        // Each call takes 6 s of the engine's clock: more than half the lease.
        .listener("slow", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          delivered.add(event.participantId());
          clock.advance(Duration.ofSeconds(6));
        })
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Lease")).id());
      long campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Lease", "lease.example.com")).id(), "Lease")).id();
      long ann = scope.participants().create(campaign, NewParticipant.withEmail("ann@example.com")).id();
      long bob = scope.participants().create(campaign, NewParticipant.withEmail("bob@example.com")).id();
      scope.points().award(ParticipantRef.id(ann), PointsChange.of(1, "purchase"));
      scope.points().award(ParticipantRef.id(bob), PointsChange.of(1, "purchase"));

      assertEquals(1, engine.events().dispatch().delivered(), "the second would start with 4 s of 10 left");
      assertEquals(0, engine.events().dispatch().delivered(), "still leased");
      clock.advance(lease);
      assertEquals(1, engine.events().dispatch().delivered(), "claimed again once its lease ran out");
      assertEquals(0, engine.events().dispatch().delivered());
      assertEquals(2, delivered.size());
      assertEquals(List.of(ann, bob), delivered.stream().sorted().toList(), "each once: " + delivered);
    }
  }
}
