package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.DispatchReport;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A listener that fails with an {@link Error} rather than an exception: a {@link StackOverflowError} (a listener
 * that recurses without end) is the listener's failure like any other, retried with backoff and parked after the
 * last attempt; the stack has unwound by the time the dispatcher sees it, so nothing of the engine's is damaged. An
 * error that ends a round (an {@link OutOfMemoryError}) does not end the background dispatcher.
 */
class ListenerErrorsTest {
  @Test
  void aListenersStackOverflowIsAFailedAttemptRetriedThenParked() {
    SettableClock clock = SettableClock.at(Instant.parse("2025-05-01T00:00:00Z"));
    List<Long> steady = new CopyOnWriteArrayList<>();
    int[] calls = {0};
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().listenerMaxAttempts(3).build())
        .listener("recursive", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          calls[0]++;
          throw new StackOverflowError();
        })
        .listener("steady", EventFilter.types(EventType.POINTS_AWARDED), event -> steady.add(event.sequence()))
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Errors")).id());
      long brand = scope.brands().create(new NewBrand("Errors", "errors.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Errors")).id();
      ParticipantRef ref = ParticipantRef.id(
          scope.participants().create(campaign, NewParticipant.withEmail("e@example.com")).id());
      scope.points().award(ref, PointsChange.of(5, "purchase"));

      DispatchReport first = engine.events().dispatch();
      assertEquals(1, first.retried(), "the overflow is a failed attempt, rescheduled");
      assertEquals(1, first.delivered(), "the other listener got the event");
      for (int i = 0; i < 2; i++) {
        clock.advance(Duration.ofMinutes(1));
        engine.events().dispatch();
      }
      assertEquals(3, calls[0], "tried listenerMaxAttempts times");
      List<ParkedDelivery> parked = engine.events().parked("recursive", Keyset.first(10)).items();
      assertEquals(1, parked.size(), "then parked");
      assertEquals("listener threw java.lang.StackOverflowError", parked.get(0).lastError());
      assertEquals(3, parked.get(0).attempts());

      // Later events of the participant go on, to both listeners.
      scope.points().award(ref, PointsChange.of(6, "purchase"));
      DispatchReport later = engine.events().dispatch();
      assertEquals(1, later.delivered());
      assertEquals(1, later.retried());
      assertEquals(2, steady.size());
      assertTrue(calls[0] == 4, "the next event reached the recursive listener too: " + calls[0]);
    }
  }

  @Test
  void anErrorThatEndsABackgroundRoundDoesNotStopTheDispatcher() throws Exception {
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch errorMet = new CountDownLatch(1);
    CountDownLatch both = new CountDownLatch(2);
    List<Long> steady = new CopyOnWriteArrayList<>();
    try (LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).build())
        // Named to be claimed first: the other listener's delivery of the first event comes after it in the batch.
        .listener("a-steady", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          steady.add(event.participantId());
          both.countDown();
        })
        .listener("z-memory", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          if (errors.getAndIncrement() == 0) {
            errorMet.countDown();
            throw new OutOfMemoryError("simulated");
          }
        })
        .build()) {
      TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Errors")).id());
      long brand = scope.brands().create(new NewBrand("Errors", "errors.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Errors")).id();
      long first = scope.participants().create(campaign, NewParticipant.withEmail("e@example.com")).id();
      scope.points().award(ParticipantRef.id(first), PointsChange.of(5, "purchase"));
      assertTrue(errorMet.await(30, TimeUnit.SECONDS), "the round met the error");

      // Another participant's event, after the round that ended with the error.
      long other = scope.participants().create(campaign, NewParticipant.withEmail("o@example.com")).id();
      scope.points().award(ParticipantRef.id(other), PointsChange.of(6, "purchase"));
      assertTrue(both.await(30, TimeUnit.SECONDS) && steady.contains(other),
          "the background dispatcher went on after the error: " + steady);
    }
  }
}
