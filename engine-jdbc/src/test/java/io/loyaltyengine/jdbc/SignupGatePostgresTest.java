package io.loyaltyengine.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.TenantScope;
import io.loyaltyengine.brand.NewBrand;
import io.loyaltyengine.campaign.NewCampaign;
import io.loyaltyengine.core.spi.Storage;
import io.loyaltyengine.events.EventSettings;
import io.loyaltyengine.tenant.NewTenant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A signup gate made in an open transaction holds no lock on its campaign on PostgreSQL: a foreign key to the
 * campaign would hold the campaign row in key-share mode until commit, and the campaign's own lock (coupon uploads,
 * signups of existing participants, taken after their gates) would wait for it, a cycle between two signups.
 */
class SignupGatePostgresTest {
  @Test
  void aGateMadeInAnOpenTransactionLeavesItsCampaignFreeToLock() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (PostgresFixture fixture = new PostgresFixture();
        LoyaltyEngine engine = LoyaltyEngine.builder().storage(fixture.openStorage())
            .events(EventSettings.builder().manualDispatch().build()).build()) {
      long tenant = engine.tenants().create(NewTenant.business("Gates")).id();
      TenantScope scope = engine.forTenant(tenant);
      long campaign = scope.campaigns().create(NewCampaign.running(
          scope.brands().create(new NewBrand("Gates", "gates.example.com")).id(), "Gates")).id();
      Storage storage = (Storage) fixture.openStorage();
      CountDownLatch made = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Future<?> holder = pool.submit(() -> storage.inTransaction(tx -> {
        tx.referrals().lockSignupGate(tenant, campaign, 9);
        made.countDown();
        try {
          assertTrue(release.await(60, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        return null;
      }));
      try {
        assertTrue(made.await(60, TimeUnit.SECONDS), "the gate was made");
        Future<?> locker = pool.submit(() -> storage.inTransaction(tx -> {
          tx.campaigns().lock(tenant, campaign);
          return null;
        }));
        // With a foreign key, this would wait for the holder's commit.
        locker.get(20, TimeUnit.SECONDS);
      } finally {
        release.countDown();
      }
      holder.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }
}
