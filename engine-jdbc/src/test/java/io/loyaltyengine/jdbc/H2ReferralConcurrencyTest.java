package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import java.util.List;

/**
 * Referral races on an H2 file database: one engine, sixteen threads, a pool of sixteen connections (see
 * {@link ReferralConcurrencyTestBase} for what is raced and checked).
 */
class H2ReferralConcurrencyTest extends ReferralConcurrencyTestBase {
  private static final int THREADS = 16;

  private final H2FileFixture fixture = new H2FileFixture(true);

  @Override
  protected List<LoyaltyEngine> openEngines() {
    return List.of(LoyaltyEngine.builder()
        .storage(JdbcStorage.builder().url(fixture.url()).maximumPoolSize(THREADS).build())
        .events(EventSettings.builder().manualDispatch().build())
        .build());
  }

  @Override
  protected int threads() {
    return THREADS;
  }

  @Override
  protected int cycleRounds() {
    return 15;
  }

  @Override
  protected void closeDatabase() {
    fixture.close();
  }
}
