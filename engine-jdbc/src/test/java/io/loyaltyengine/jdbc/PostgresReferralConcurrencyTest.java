package io.loyaltyengine.jdbc;

import io.loyaltyengine.LoyaltyEngine;
import io.loyaltyengine.events.EventSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Referral races on PostgreSQL: two engine instances on one embedded database, eight threads each (see
 * {@link ReferralConcurrencyTestBase} for what is raced and checked).
 */
class PostgresReferralConcurrencyTest extends ReferralConcurrencyTestBase {
  private final PostgresFixture fixture = new PostgresFixture();

  @Override
  protected List<LoyaltyEngine> openEngines() {
    List<LoyaltyEngine> engines = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      engines.add(LoyaltyEngine.builder()
          .storage(fixture.openStorage())
          .nodeId(i + 1)
          .events(EventSettings.builder().manualDispatch().build())
          .build());
    }
    return engines;
  }

  @Override
  protected int threads() {
    return 16;
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
