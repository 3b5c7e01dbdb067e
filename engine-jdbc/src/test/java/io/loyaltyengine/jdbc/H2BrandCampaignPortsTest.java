package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.BrandCampaignPortsContractTest;
import java.sql.SQLException;

/**
 * The brand and campaign ports' contract suite on an H2 file. H2's own row locks at work: the storages' transactions
 * do not take turns here, as host transactions do not.
 */
class H2BrandCampaignPortsTest extends BrandCampaignPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return H2FileFixture.withoutTakingTurns(true);
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionWaiting((JdbcFixture) fixture());
  }
}
