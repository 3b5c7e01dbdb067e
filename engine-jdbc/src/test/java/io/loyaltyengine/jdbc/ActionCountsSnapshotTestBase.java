package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.ActionPort;
import io.loyaltyengine.core.spi.ForwardingTransaction;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.participant.NewParticipant;
import io.loyaltyengine.participant.ParticipantRef;
import io.loyaltyengine.rewards.ActionCounts;
import io.loyaltyengine.rewards.LoyaltyAction;
import io.loyaltyengine.rewards.NewCampaignReward;
import io.loyaltyengine.rewards.ParticipantRewardSummary;
import io.loyaltyengine.tenant.NewTenant;
import io.loyaltyengine.testkit.SettableClock;
import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.StoreFixture.HostTx;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A participant's action counts (all time, this month, last month, toward one reward) are read at one point in time:
 * an action that commits while they are read is in all of them or in none, so that no reading shows more actions
 * this month, or toward one reward, than all time. The action commits in a host transaction right after the read's
 * first counter statement ran (an intercepted port), on each database.
 */
abstract class ActionCountsSnapshotTestBase {
  private StoreFixture fixture;
  private LoyaltyEngine engine;
  /** Run once, after the first counter read of the engine's next unit of work; null: nothing. */
  private final AtomicReference<Runnable> afterFirstRead = new AtomicReference<>();

  abstract StoreFixture createFixture();

  @BeforeEach
  void open() {
    fixture = createFixture();
    engine = LoyaltyEngine.builder()
        .storage(new InterceptingStorage(fixture.openStorage(), tx -> new ForwardingTransaction(tx) {
          @Override
          public ActionPort actions() {
            return InterceptingStorage.intercept(ActionPort.class, tx.actions(), (method, args, port) -> {
              Object result = InterceptingStorage.invoke(method, port, args);
              Runnable then = afterFirstRead.getAndSet(null);
              if (then != null) {
                then.run();
              }
              return result;
            });
          }
        }))
        .clock(SettableClock.at(Instant.parse("2026-03-01T00:00:00Z")))
        .events(EventSettings.builder().manualDispatch().build()).build();
  }

  @AfterEach
  void close() {
    engine.close();
    fixture.close();
  }

  @Test
  void anActionCommittedWhileTheCountsAreReadIsInAllOfThemOrInNone() {
    TenantScope shop = engine.forTenant(engine.tenants().create(NewTenant.business("Counts")).id());
    long brand = shop.brands().create(new NewBrand("Counts", "https://counts.example.com")).id();
    long campaign = shop.campaigns().create(NewCampaign.running(brand, "C").withTimeZone(ZoneId.of("Europe/London")))
        .id();
    long reward = shop.rewards().define(campaign, NewCampaignReward.message("R", "hi", 100)).id();
    ParticipantRef p = ParticipantRef.id(shop.participants().create(campaign, NewParticipant.withEmail(
        "a@example.com")).id());
    shop.rewards().recordAction(LoyaltyAction.of(p, reward));
    for (int read = 0; read < 2; read++) {
      HostTx host = fixture.hostTransactions().orElseThrow().begin();
      try {
        shop.joining(host.transaction()).rewards().recordAction(LoyaltyAction.of(p, reward));
        afterFirstRead.set(host::commit);
        if (read == 0) {
          ActionCounts c = shop.rewards().counts(p, reward);
          assertTrue(List.of(new ActionCounts(1, 1, 0, 1, 1), new ActionCounts(2, 2, 0, 2, 2)).contains(c),
              "one point in time, not " + c);
        } else {
          ParticipantRewardSummary s = shop.rewards().summary(p);
          assertTrue(List.of(List.of(2L, 2L), List.of(3L, 3L)).contains(List.of(s.actionsAllTime(),
              s.actionsCurrentMonth())), "one point in time, not " + s);
        }
        assertEquals(null, afterFirstRead.get(), "the action committed while the counts were read");
      } finally {
        host.close();
      }
    }
  }
}
