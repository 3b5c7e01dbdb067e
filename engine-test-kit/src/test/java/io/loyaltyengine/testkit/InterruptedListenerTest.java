package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A host stops a manual round by interrupting its thread, and a listener blocked when the interrupt comes most often
 * ends by throwing {@link InterruptedException}, which clears the thread's interrupt status. The round took that as
 * any failure of the listener and went on: it called the listener with the round's other deliveries, pruned, and
 * returned with the interrupt lost, although {@code Events.dispatch()} promises that an interrupted round starts no
 * other delivery and that the thread's interrupt status is kept in every case. Through the public API, an engine on
 * {@link InMemoryStorage} with manual dispatch and a {@link SettableClock}; the listener interrupts its own thread
 * before it waits, as the host's interrupt would reach it while it waits.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class InterruptedListenerTest {
  private static final Duration LEASE = Duration.ofMinutes(1);

  @Test
  void aListenerInterruptedWhileItWaitsStopsTheRoundAndTheInterruptIsKept() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    List<String> calls = new CopyOnWriteArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().lease(LEASE).build())
        .listener("crm", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          calls.add(event.id());
          if (calls.size() == 1) {
            // The host's interrupt arrives while the listener waits: the wait throws and clears the status.
            Thread.currentThread().interrupt();
            new CountDownLatch(1).await();
          }
        })
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
      long brand = scope.brands().create(new NewBrand("Shop", "shop.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Points")).id();
      for (String email : List.of("ada@example.com", "bob@example.com")) {
        ParticipantRef ref = ParticipantRef.id(
            scope.participants().create(campaign, NewParticipant.withEmail(email)).id());
        scope.points().award(ref, PointsChange.of(5, "purchase"));
      }

      DispatchReport interrupted;
      boolean kept;
      try {
        interrupted = engine.events().dispatch();
      } finally {
        kept = Thread.interrupted();
      }
      assertTrue(kept, "the interrupt status is kept");
      assertEquals(1, calls.size(), "no other delivery started after the interrupt: " + calls);
      assertEquals(new DispatchReport(4, 0, 1, 0, 0), interrupted,
          "the listener's throw is its failed attempt, retried; the other delivery is not made nor counted");

      // The retry comes due, and the delivery the round did not make once its lease runs out.
      clock.advance(LEASE.plusSeconds(1));
      DispatchReport next = engine.events().dispatch();
      assertEquals(2, next.delivered(), "both delivered by the next round after the lease");
      assertEquals(3, calls.size());
    }
  }
}
