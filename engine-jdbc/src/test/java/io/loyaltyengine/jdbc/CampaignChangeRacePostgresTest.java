package io.loyaltyengine.jdbc;

/** A campaign's status changed while the host renames it, on the embedded PostgreSQL. */
class CampaignChangeRacePostgresTest extends CampaignChangeRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new PostgresFixture();
  }
}
