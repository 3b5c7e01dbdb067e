package io.loyaltyengine.jdbc;

import io.loyaltyengine.testkit.StoreFixture;
import io.loyaltyengine.testkit.contract.BrandCampaignPortsContractTest;
import java.sql.SQLException;

/** The brand and campaign ports' contract suite on the embedded PostgreSQL. */
class PostgresBrandCampaignPortsTest extends BrandCampaignPortsContractTest {
  @Override
  protected StoreFixture createFixture() {
    return new PostgresFixture();
  }

  @Override
  protected void awaitBlockedOnALock(Thread waiter) throws SQLException {
    JdbcLockWaits.awaitASessionBlockedOnALock((JdbcFixture) fixture());
  }
}
