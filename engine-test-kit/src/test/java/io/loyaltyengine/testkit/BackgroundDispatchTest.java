package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventFilter;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.events.EventType;
import io.loyaltyengine.events.LoyaltyEvent;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.points.PointsChange;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine's own dispatcher thread (the default) delivers committed events without the host calling dispatch,
 * and stops when the engine closes.
 */
class BackgroundDispatchTest {
  @Test
  void backgroundDispatcherDeliversCommittedEventsAndStopsOnClose() throws Exception {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(new InMemoryStorage())
        .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).build())
        .build();
    CountDownLatch awards = new CountDownLatch(20);
    List<LoyaltyEvent> received = new CopyOnWriteArrayList<>();
    engine.events().subscribe("background", EventFilter.types(EventType.POINTS_AWARDED), event -> {
      received.add(event);
      awards.countDown();
    });
    TenantScope scope = engine.forTenant(engine.tenants().create(NewTenant.business("Background")).id());
    long brand = scope.brands().create(new NewBrand("Background", "background.example.com")).id();
    long campaign = scope.campaigns().create(NewCampaign.running(brand, "Background")).id();
    long participant = scope.participants().create(campaign, NewParticipant.withEmail("bg@example.com")).id();
    for (int i = 1; i <= 20; i++) {
      scope.points().award(ParticipantRef.id(participant), PointsChange.of(i, "purchase"));
    }

    assertTrue(awards.await(30, TimeUnit.SECONDS), "the dispatcher thread delivered every award");
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 21L),
        received.stream().map(LoyaltyEvent::sequence).toList(), "in order, each once");

    List<Thread> dispatchers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("loyalty-event-dispatcher")).toList();
    assertEquals(1, dispatchers.size(), "one dispatcher thread runs");
    engine.close();
    assertTrue(dispatchers.stream().noneMatch(Thread::isAlive), "close waits for the dispatcher thread to end");
    assertThrows(IllegalStateException.class, () -> engine.events().dispatch(), "a closed engine dispatches no more");
  }
}
