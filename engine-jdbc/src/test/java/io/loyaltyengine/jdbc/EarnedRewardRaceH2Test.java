package io.loyaltyengine.jdbc;

/** The earned-reward lifecycle raced through two engines on an H2 file. */
class EarnedRewardRaceH2Test extends EarnedRewardRaceTestBase {
  @Override
  JdbcFixture createFixture() {
    return new H2FileFixture(true);
  }
}
