package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.ErrorCode;
import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.LoyaltyException;
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

  @Test
  void aListenerGivenToTheBuilderReceivesTheEventsCommittedBeforeARestartAndPositionedAtStartUp() throws Exception {
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    long participant;
    ParticipantRef ref;
    TenantScope scope;
    // A process commits five awards and stops before its dispatcher positioned them.
    try (LoyaltyEngine before = LoyaltyEngine.builder().storage(database.openStorage())
        .events(EventSettings.builder().manualDispatch().build()).build()) {
      scope = before.forTenant(before.tenants().create(NewTenant.business("Restart")).id());
      long brand = scope.brands().create(new NewBrand("Restart", "restart.example.com")).id();
      long campaign = scope.campaigns().create(NewCampaign.running(brand, "Restart")).id();
      participant = scope.participants().create(campaign, NewParticipant.withEmail("r@example.com")).id();
      ref = ParticipantRef.id(participant);
      for (int i = 1; i <= 5; i++) {
        scope.points().award(ref, PointsChange.of(i, "purchase"));
      }
    }
    CountDownLatch awards = new CountDownLatch(5);
    List<Long> received = new CopyOnWriteArrayList<>();
    // The next process starts with background dispatch and its listener in the builder.
    try (LoyaltyEngine after = LoyaltyEngine.builder().storage(database.openStorage())
        .events(EventSettings.builder().pollInterval(Duration.ofMillis(10)).build())
        .listener("crm", EventFilter.types(EventType.POINTS_AWARDED), event -> {
          received.add(event.sequence());
          awards.countDown();
        })
        .build()) {
      assertTrue(awards.await(30, TimeUnit.SECONDS), "every award committed before the restart: " + received);
      assertEquals(List.of(2L, 3L, 4L, 5L, 6L), received);
      assertThrows(LoyaltyException.class, () -> after.events().subscribe("crm", EventFilter.all(), event -> { }),
          "the builder's listener is registered under its name");
    }
    LoyaltyException refused = assertThrows(LoyaltyException.class, () -> LoyaltyEngine.builder()
        .storage(database.openStorage()).listener("no spaces allowed", null, event -> { }).build());
    assertEquals(ErrorCode.VALIDATION_ERROR, refused.code());
    assertThrows(LoyaltyException.class, () -> LoyaltyEngine.builder().storage(database.openStorage())
        .listener("twice", null, event -> { }).listener("twice", null, event -> { }).build());
  }
}
