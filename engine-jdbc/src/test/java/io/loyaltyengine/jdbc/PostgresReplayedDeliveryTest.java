package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.Keyset;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventListener;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.ParkedDelivery;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engine instances on one PostgreSQL database and a parked delivery replayed while the participant's next event
 * is being delivered by one of them: the other instance does not deliver the replayed one beside it (it did: the
 * listener had two of one participant's events at once, from two instances), and delivers it once the first is done.
 */
class PostgresReplayedDeliveryTest {
  private final PostgresFixture fixture = new PostgresFixture();
  private final SettableClock clock = SettableClock.at(Instant.parse("2026-11-25T10:00:00Z"));
  private final List<LoyaltyEngine> engines = new ArrayList<>();
  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  @AfterEach
  void close() {
    thread.shutdownNow();
    engines.forEach(LoyaltyEngine::close);
    fixture.close();
  }

  @Test
  void aReplayedDeliveryWaitsWhileAnotherInstanceDeliversTheParticipantsNextEvent() throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    AtomicBoolean failedOnce = new AtomicBoolean();
    List<Long> delivered = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    EventListener listener = event -> {
      if (inside.incrementAndGet() > 1) {
        overlapped.set(true);
      }
      try {
        if (event.sequence() == 2 && failedOnce.compareAndSet(false, true)) {
          throw new IllegalStateException("first award refused");
        }
        if (event.sequence() == 3) {
          holding.countDown();
          assertTrue(release.await(60, TimeUnit.SECONDS), "released");
        }
        delivered.add(event.sequence());
      } finally {
        inside.decrementAndGet();
      }
    };
    for (int i = 0; i < 2; i++) {
      engines.add(LoyaltyEngine.builder()
          .storage(fixture.openStorage())
          .clock(clock)
          .nodeId(i + 1)
          .events(EventSettings.builder().manualDispatch().listenerMaxAttempts(1).build())
          .listener("awards", EventFilter.types(EventType.POINTS_AWARDED), listener)
          .build());
    }
    LoyaltyEngine a = engines.get(0);
    LoyaltyEngine b = engines.get(1);
    TenantScope scope = a.forTenant(a.tenants().create(NewTenant.business("Replay")).id());
    long brand = scope.brands().create(new NewBrand("Replay", "replay.example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "Replay")).id();
    ParticipantRef ref = ParticipantRef.id(
        scope.participants().create(campaign, NewParticipant.withEmail("r@example.com")).id());
    scope.points().award(ref, PointsChange.of(1, "purchase"));
    scope.points().award(ref, PointsChange.of(2, "purchase"));

    assertEquals(1, a.events().dispatch().parked(), "the first award (sequence 2) parked at its only attempt");
    List<ParkedDelivery> parked = a.events().parked("awards", Keyset.first(10)).items();
    assertEquals(1, parked.size());
    Future<?> holder = thread.submit(() -> a.events().dispatch());
    assertTrue(holding.await(60, TimeUnit.SECONDS), "a delivers the second award (sequence 3) and holds it");

    assertTrue(b.events().replay("awards", scope.tenantId(), parked.get(0).event().id()));
    assertEquals(0, b.events().dispatch().delivered(), "b leaves the replayed one while a holds sequence 3");
    release.countDown();
    holder.get(60, TimeUnit.SECONDS);
    assertEquals(1, b.events().dispatch().delivered(), "then b delivers it");

    assertFalse(overlapped.get(), "the listener never had two of the participant's events at once");
    assertEquals(List.of(3L, 2L), delivered);
  }
}
