package io.loyaltyengine.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.access.ApiScope;
import io.loyaltyengine.access.IssuedApiKey;
import io.loyaltyengine.access.NewApiKey;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.leaderboard.BoardMetric;
import io.loyaltyengine.leaderboard.BoardPeriod;
import io.loyaltyengine.leaderboard.BoardRequest;
import io.loyaltyengine.leaderboard.Consistency;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.Participant;
import io.loyaltyengine.tenant.NewTenant;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link LoyaltyEngine#close()} refuses every later operation with {@link IllegalStateException}, also those the
 * engine answers from memory without touching storage (an API key it has cached, a leaderboard index it has built,
 * its listener registry), and a second close does nothing.
 *
 * <p>Not thread-safe: JUnit creates an instance per test method.
 */
class ClosedEngineTest {

  @Test
  void aClosedEngineRefusesWhatItWouldAnswerFromMemoryAndClosingAgainDoesNothing() {
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(InMemoryStorage.newDatabase().openStorage())
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(1)
        .build();
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Shop", "shop.example.com")).id(), "Points")).id();
    Participant ada = shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com"));
    IssuedApiKey key = shop.apiKeys().issue(NewApiKey.of("reader", ApiScope.READ));
    BoardRequest board = BoardRequest.of(campaign, BoardPeriod.ALL_TIME).by(BoardMetric.POINTS)
        .read(Consistency.INDEX);
    // Each read once while open: the key is cached and the board indexed.
    engine.access().authenticate(key.secret(), ApiScope.READ);
    shop.leaderboards().page(board);
    shop.leaderboards().rank(campaign, ada.id(), BoardPeriod.ALL_TIME, BoardMetric.POINTS, Consistency.INDEX);
    engine.events().subscribe("before", null, event -> { });

    engine.close();

    assertClosed("a cached API key", () -> engine.access().authenticate(key.secret(), ApiScope.READ));
    assertClosed("an indexed board", () -> shop.leaderboards().page(board));
    assertClosed("an indexed rank", () -> shop.leaderboards().rank(campaign, ada.id(), BoardPeriod.ALL_TIME,
        BoardMetric.POINTS, Consistency.INDEX));
    assertClosed("an indexed standing", () -> shop.leaderboards().standing(
        io.loyaltyengine.participant.ParticipantRef.id(ada.id()), BoardMetric.POINTS, Consistency.INDEX));
    assertClosed("subscribing", () -> engine.events().subscribe("after", null, event -> { }));
    assertClosed("unsubscribing", () -> engine.events().unsubscribe("before"));
    assertClosed("a read of storage", () -> shop.tenant());
    // Nothing to run a unit of work for: answered without one, but refused as every operation is.
    assertClosed("an empty batch of points", () -> shop.points().applyAll(List.of()));
    engine.close();
  }

  /**
   * A listener may close the engine (it runs outside any unit of work). Under manual dispatch the host's
   * {@code dispatch()} then ends with the closed engine's IllegalStateException, since the delivery cannot be
   * recorded; it is not lost: once its lease runs out, an engine on the same database delivers it again.
   */
  @Test
  void aListenerClosingTheEngineUnderManualDispatchIsDeliveredAgainByTheNextEngine() {
    InMemoryStorage.Database database = InMemoryStorage.newDatabase();
    SettableClock clock = SettableClock.at(Instant.parse("2025-06-01T10:00:00Z"));
    List<String> received = new ArrayList<>();
    AtomicReference<LoyaltyEngine> self = new AtomicReference<>();
    LoyaltyEngine engine = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(1)
        .listener("closer", null, event -> {
          received.add(event.id());
          self.get().close();
        })
        .build();
    self.set(engine);
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Shop")).id());
    long campaign = shop.campaigns().create(NewCampaign.running(
        shop.brands().create(new NewBrand("Shop", "shop.example.com")).id(), "Points")).id();
    shop.participants().create(campaign, NewParticipant.withEmail("ada@example.com"));

    assertClosed("the dispatch whose listener closed the engine", () -> engine.events().dispatch());
    assertEquals(1, received.size(), "delivered once, then the engine closed");

    clock.advance(EventSettings.DEFAULTS.lease().plusSeconds(1));
    List<String> again = new ArrayList<>();
    try (LoyaltyEngine next = LoyaltyEngine.builder()
        .storage(database.openStorage())
        .clock(clock)
        .events(EventSettings.builder().manualDispatch().build())
        .nodeId(2)
        .listener("closer", null, event -> again.add(event.id()))
        .build()) {
      next.events().dispatch();
    }
    assertTrue(again.contains(received.get(0)), "the delivery the close cut short came again: " + again);
  }

  private static void assertClosed(String what, Executable operation) {
    IllegalStateException e = assertThrows(IllegalStateException.class, operation, what);
    assertEquals("the engine is closed", e.getMessage(), what);
  }
}
