package io.loyaltyengine.jdbc;

/** A campaign's status changed while the host renames it, on an H2 file. */
class CampaignChangeRaceH2Test extends CampaignChangeRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
